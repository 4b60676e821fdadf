import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { requireInteger, requireTokenIds } from '../validation.js';
import { holdBackTokens } from './hold-back-tokens.js';

/** Options of {@link MinNewTokensProcessor}. */
export interface MinNewTokensOptions {
  /** The end-of-sequence id(s) held back. */
  eosTokenIds: number | readonly number[];
}

/**
 * Minimum new tokens (Hugging Face's `MinNewTokensLengthLogitsProcessor`, `min_new_tokens`):
 * while fewer than `minNewTokens` tokens have been generated, the end-of-sequence id(s) are set
 * to `-Infinity`, so the sequence cannot end yet. The prompt does not count.
 */
export class MinNewTokensProcessor implements LogitsProcessor {
  /** The minimum number of generated tokens, ≥ 0. */
  readonly minNewTokens: number;
  /** The end-of-sequence ids. */
  readonly eosTokenIds: readonly number[];

  /** @param minNewTokens an integer ≥ 0 (0: no effect). */
  constructor(minNewTokens: number, options: MinNewTokensOptions) {
    this.minNewTokens = requireInteger('minNewTokens', minNewTokens, 0);
    this.eosTokenIds = requireTokenIds('eosTokenIds', options?.eosTokenIds);
  }

  process(logits: Float32Array, context: GenerationContext): void {
    if (context.generatedCount < this.minNewTokens) holdBackTokens(logits, this.eosTokenIds);
  }
}
