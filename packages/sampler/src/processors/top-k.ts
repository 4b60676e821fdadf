import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { BoundarySearch } from '../math/boundary-search.js';
import { kthLargest } from '../math/kth-largest.js';
import { logitRange } from '../math/softmax.js';
import type { Random } from '../random.js';
import { allTokensRemoved } from '../selection/greedy.js';
import { drawAmongIds, sampleToken } from '../selection/multinomial.js';
import { requireInteger, requireMinTokensToKeep } from '../validation.js';
import type { FilterOptions } from './filter-options.js';

/** Up to this k the k-th largest logit comes from a heap (one pass); beyond, a histogram. */
const heapLimit = 1024;

/** Scratch space for the ids a draw chooses among (sampling is synchronous). */
let keptIds = new Int32Array(0);

/**
 * Top-k (Hugging Face's `TopKLogitsWarper`): keeps the `topK` most likely tokens — every token
 * whose logit is at least the k-th largest, so tokens tied with the k-th are all kept — and sets
 * the others to `-Infinity`. `topK = 0` disables it (Hugging Face's `top_k=0`); the effective k
 * is `max(topK, minTokensToKeep)`.
 *
 * Cost: linear in the vocabulary, no sort: for k up to 1024 (top-k sampling's usual tens) one
 * pass finds the k-th largest logit with a small heap and one pass removes what lies below it;
 * larger k use a histogram selection. As the last processor before sampling,
 * {@link TopKProcessor.sample} draws among the kept tokens without writing the row.
 */
export class TopKProcessor implements LogitsProcessor {
  /** k; 0 when disabled. */
  readonly topK: number;
  /** The fewest tokens kept. */
  readonly minTokensToKeep: number;
  readonly #search = new BoundarySearch();

  /** @param topK an integer ≥ 0 (0: disabled). */
  constructor(topK: number, options: FilterOptions = {}) {
    this.topK = requireInteger('topK', topK, 0);
    this.minTokensToKeep = requireMinTokensToKeep(options.minTokensToKeep);
  }

  process(logits: Float32Array): void {
    if (this.topK === 0) return;
    const keep = Math.max(this.topK, this.minTokensToKeep);
    if (keep >= logits.length) return;
    if (keep <= heapLimit) {
      const threshold = kthLargest(logits, keep);
      // Fewer than k tokens left: nothing to remove; +Infinity: left to the general path.
      if (threshold === Number.NEGATIVE_INFINITY) return;
      if (threshold < Number.POSITIVE_INFINITY) {
        removeBelow(logits, threshold);
        return;
      }
    }
    const { minimum, maximum } = logitRange(logits);
    this.#search.find({
      keys: logits,
      lowest: minimum,
      highest: maximum,
      weights: undefined,
      target: () => 0,
      minimumCount: keep,
      output: logits,
      tiesKept: true,
    });
  }

  /**
   * Top-k and the multinomial draw at once: the same token that `process` then `sampleToken`
   * draw from the same random number (the kept ids, ascending, by the same weights), without
   * writing the row. `logits` is left unchanged, except in the cases `process` handles (k above
   * 1024, `+Infinity` in the row).
   */
  sample(logits: Float32Array, _context: GenerationContext, random: Random): number {
    const keep = Math.max(this.topK, this.minTokensToKeep);
    if (this.topK === 0 || keep >= logits.length) return sampleToken(logits, random);
    const threshold = keep <= heapLimit ? kthLargest(logits, keep) : Number.NaN;
    if (threshold === Number.NEGATIVE_INFINITY) return sampleToken(logits, random);
    if (!(threshold < Number.POSITIVE_INFINITY)) {
      this.process(logits);
      return sampleToken(logits, random);
    }
    // The kept ids, ascending (few: a branch that is rarely taken), then their largest logit.
    const length = logits.length;
    if (keptIds.length < length) keptIds = new Int32Array(length);
    const ids = keptIds;
    let count = 0;
    for (let index = 0; index < length; index++) {
      if (logits[index] >= threshold) ids[count++] = index;
    }
    let maximum = threshold;
    for (let position = 0; position < count; position++) {
      const value = logits[ids[position]];
      if (value > maximum) maximum = value;
    }
    if (count === 0) throw allTokensRemoved();
    return drawAmongIds(logits, ids, count, maximum, random);
  }
}

/** Sets every logit below `threshold` to `-Infinity` (`NaN` stays, as in Hugging Face's mask). */
function removeBelow(logits: Float32Array, threshold: number): void {
  const length = logits.length;
  for (let index = 0; index < length; index++) {
    if (logits[index] < threshold) logits[index] = Number.NEGATIVE_INFINITY;
  }
}
