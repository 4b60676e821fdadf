import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { requireNumber } from '../validation.js';
import { type CountPenaltyOptions, countTokens } from './token-counts.js';

/**
 * Presence penalty (OpenAI's `presence_penalty`): subtracts `penalty` once from the logit of every
 * token that already occurred (`logit −= penalty · [count > 0]`). Positive values push towards
 * new tokens, negative ones towards repetition; OpenAI allows −2 … 2. 0 changes nothing.
 */
export class PresencePenaltyProcessor implements LogitsProcessor {
  /** The penalty (a finite number). */
  readonly penalty: number;
  /** Whether prompt tokens count. */
  readonly includePrompt: boolean;

  /** @param penalty a finite number (0: no change). */
  constructor(penalty: number, options: CountPenaltyOptions = {}) {
    this.penalty = requireNumber('presencePenalty', penalty, -Number.MAX_VALUE, Number.MAX_VALUE);
    this.includePrompt = options.includePrompt ?? false;
  }

  process(logits: Float32Array, context: GenerationContext): void {
    if (this.penalty === 0) return;
    for (const token of countTokens(context, this.includePrompt).keys()) {
      if (token < logits.length) logits[token] -= this.penalty;
    }
  }
}
