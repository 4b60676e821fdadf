import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { requireNumber } from '../validation.js';

/** Options of {@link RepetitionPenaltyProcessor}. */
export interface RepetitionPenaltyOptions {
  /**
   * Whether the prompt's tokens count as seen (default true, as Hugging Face for decoder-only
   * models); false penalizes only generated tokens (Hugging Face's `prompt_ignore_length`).
   */
  includePrompt?: boolean;
}

/**
 * Repetition penalty (Hugging Face's `RepetitionPenaltyLogitsProcessor`, Keskar et al. 2019): for
 * every distinct token already in the sequence, a positive logit is divided by `penalty` and a
 * negative one multiplied by it — once per token, however often it occurred. `penalty = 1`
 * changes nothing; above 1 discourages repetition (1.2 is the paper's suggestion); between 0
 * and 1 encourages it.
 */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  /** The penalty, > 0. */
  readonly penalty: number;
  /** Whether prompt tokens count. */
  readonly includePrompt: boolean;
  #seen = new Uint8Array(0);

  /** @param penalty a number > 0 (1: no change). */
  constructor(penalty: number, options: RepetitionPenaltyOptions = {}) {
    this.penalty = requireNumber('repetitionPenalty', penalty, 0, Number.MAX_VALUE, {
      excludeMinimum: true,
    });
    this.includePrompt = options.includePrompt ?? true;
  }

  process(logits: Float32Array, context: GenerationContext): void {
    const penalty = this.penalty;
    if (penalty === 1) return;
    const length = logits.length;
    if (this.#seen.length < length) this.#seen = new Uint8Array(length);
    const seen = this.#seen;
    const tokens = context.tokens;
    const start = this.includePrompt ? 0 : context.promptLength;
    for (let position = start; position < tokens.length; position++) {
      const token = tokens[position];
      if (token >= length || seen[token] === 1) continue;
      seen[token] = 1;
      const value = logits[token];
      logits[token] = value < 0 ? value * penalty : value / penalty;
    }
    for (let position = start; position < tokens.length; position++) {
      const token = tokens[position];
      if (token < length) seen[token] = 0;
    }
  }
}
