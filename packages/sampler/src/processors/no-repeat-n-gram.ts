import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { requireInteger } from '../validation.js';

/**
 * No repeated n-grams (Hugging Face's `NoRepeatNGramLogitsProcessor`, from fairseq): every n-gram
 * of `size` tokens may occur only once in the sequence (prompt included). Wherever the last
 * `size − 1` tokens occurred before, the token that followed them there is set to `-Infinity`.
 * `size = 0` disables it; `size = 1` bans every token already seen.
 */
export class NoRepeatNGramProcessor implements LogitsProcessor {
  /** n, ≥ 0 (0: disabled). */
  readonly size: number;

  /** @param size an integer ≥ 0 (0: disabled). */
  constructor(size: number) {
    this.size = requireInteger('noRepeatNGramSize', size, 0);
  }

  process(logits: Float32Array, context: GenerationContext): void {
    const size = this.size;
    const tokens = context.tokens;
    const length = tokens.length;
    if (size === 0 || length < size) return;
    const prefixStart = length - (size - 1);
    for (let start = 0; start + size <= length; start++) {
      let matches = true;
      for (let offset = 0; offset < size - 1; offset++) {
        if (tokens[start + offset] !== tokens[prefixStart + offset]) {
          matches = false;
          break;
        }
      }
      const banned = tokens[start + size - 1];
      if (matches && banned < logits.length) logits[banned] = Number.NEGATIVE_INFINITY;
    }
  }
}
