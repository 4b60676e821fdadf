import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { invalid, requireInteger, requireTokenIds } from '../validation.js';

/** Options of {@link ForcedEosProcessor}: the end-of-sequence id(s) and one of the two limits. */
export interface ForcedEosOptions {
  /** The id(s) forced (all of them stay possible; every other token is removed). */
  eosTokenIds: number | readonly number[];
  /** The total length (prompt included) the sequence must not exceed (Hugging Face's `max_length`). */
  maxLength?: number;
  /** The number of generated tokens that must not be exceeded (Hugging Face's `max_new_tokens`). */
  maxNewTokens?: number;
}

/**
 * Forced end of sequence at the length limit (Hugging Face's `ForcedEOSTokenLogitsProcessor`,
 * `forced_eos_token_id`): when the next token is the last one allowed, every logit becomes
 * `-Infinity` except the end-of-sequence id(s), which become 0 — so the output always ends with
 * an end-of-sequence token.
 */
export class ForcedEosProcessor implements LogitsProcessor {
  /** The end-of-sequence ids. */
  readonly eosTokenIds: readonly number[];
  /** The total length limit, when given. */
  readonly maxLength: number | undefined;
  /** The generated-token limit, when given. */
  readonly maxNewTokens: number | undefined;

  constructor(options: ForcedEosOptions) {
    this.eosTokenIds = requireTokenIds('eosTokenIds', options?.eosTokenIds);
    if ((options.maxLength === undefined) === (options.maxNewTokens === undefined)) {
      invalid(
        'ForcedEosProcessor needs exactly one of maxLength (prompt included) or maxNewTokens.',
      );
    }
    this.maxLength =
      options.maxLength === undefined
        ? undefined
        : requireInteger('maxLength', options.maxLength, 1);
    this.maxNewTokens =
      options.maxNewTokens === undefined
        ? undefined
        : requireInteger('maxNewTokens', options.maxNewTokens, 1);
  }

  process(logits: Float32Array, context: GenerationContext): void {
    const last =
      this.maxLength !== undefined
        ? context.tokens.length === this.maxLength - 1
        : context.generatedCount === (this.maxNewTokens as number) - 1;
    if (!last) return;
    logits.fill(Number.NEGATIVE_INFINITY);
    for (const id of this.eosTokenIds) {
      if (id < logits.length) logits[id] = 0;
    }
  }
}
