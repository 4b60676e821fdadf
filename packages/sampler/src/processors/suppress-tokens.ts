import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { requireTokenIds } from '../validation.js';
import { holdBackTokens } from './hold-back-tokens.js';

/** Options of {@link SuppressTokensProcessor}. */
export interface SuppressTokensOptions {
  /**
   * Only for the first generated token (Hugging Face's `begin_suppress_tokens`); default false
   * (every step, Hugging Face's `suppress_tokens`).
   */
  firstStepOnly?: boolean;
}

/**
 * Suppressed tokens (Hugging Face's `SuppressTokensLogitsProcessor` and, with `firstStepOnly`,
 * `SuppressTokensAtBeginLogitsProcessor`): the listed ids are set to `-Infinity`, so they are
 * never generated. Ids outside the vocabulary are ignored.
 */
export class SuppressTokensProcessor implements LogitsProcessor {
  /** The suppressed ids. */
  readonly tokenIds: readonly number[];
  /** Whether only the first generated token is affected. */
  readonly firstStepOnly: boolean;

  /** @param tokenIds the ids to suppress. */
  constructor(tokenIds: readonly number[], options: SuppressTokensOptions = {}) {
    this.tokenIds = requireTokenIds('suppressTokens', tokenIds, true);
    this.firstStepOnly = options.firstStepOnly ?? false;
  }

  process(logits: Float32Array, context: GenerationContext): void {
    if (this.firstStepOnly && context.generatedCount !== 0) return;
    holdBackTokens(logits, this.tokenIds);
  }
}
