import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { requireInteger, requireTokenIds } from '../validation.js';
import { holdBackTokens } from './hold-back-tokens.js';

/** Options of {@link MinLengthProcessor}. */
export interface MinLengthOptions {
  /** The end-of-sequence id(s) held back. */
  eosTokenIds: number | readonly number[];
}

/**
 * Minimum length (Hugging Face's `MinLengthLogitsProcessor`, `min_length`): while the sequence —
 * prompt included, as Hugging Face for decoder-only models — is shorter than `minLength`, the
 * end-of-sequence id(s) are set to `-Infinity`. See {@link MinNewTokensProcessor} to count
 * generated tokens only.
 */
export class MinLengthProcessor implements LogitsProcessor {
  /** The minimum total length, ≥ 0. */
  readonly minLength: number;
  /** The end-of-sequence ids. */
  readonly eosTokenIds: readonly number[];

  /** @param minLength an integer ≥ 0 (0: no effect). */
  constructor(minLength: number, options: MinLengthOptions) {
    this.minLength = requireInteger('minLength', minLength, 0);
    this.eosTokenIds = requireTokenIds('eosTokenIds', options?.eosTokenIds);
  }

  process(logits: Float32Array, context: GenerationContext): void {
    if (context.tokens.length < this.minLength) holdBackTokens(logits, this.eosTokenIds);
  }
}
