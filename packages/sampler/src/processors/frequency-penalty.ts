import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { requireNumber } from '../validation.js';
import { type CountPenaltyOptions, countTokens } from './token-counts.js';

/**
 * Frequency penalty (OpenAI's `frequency_penalty`): subtracts `penalty` from a token's logit once
 * per occurrence so far (`logit −= penalty · count`). Positive values discourage verbatim
 * repetition in proportion to it; OpenAI allows −2 … 2. 0 changes nothing.
 */
export class FrequencyPenaltyProcessor implements LogitsProcessor {
  /** The penalty (a finite number). */
  readonly penalty: number;
  /** Whether prompt tokens count. */
  readonly includePrompt: boolean;

  /** @param penalty a finite number (0: no change). */
  constructor(penalty: number, options: CountPenaltyOptions = {}) {
    this.penalty = requireNumber('frequencyPenalty', penalty, -Number.MAX_VALUE, Number.MAX_VALUE);
    this.includePrompt = options.includePrompt ?? false;
  }

  process(logits: Float32Array, context: GenerationContext): void {
    if (this.penalty === 0) return;
    for (const [token, count] of countTokens(context, this.includePrompt)) {
      if (token < logits.length) logits[token] -= this.penalty * count;
    }
  }
}
