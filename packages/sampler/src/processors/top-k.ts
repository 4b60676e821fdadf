import type { LogitsProcessor } from '../logits-processor.js';
import { BoundarySearch } from '../math/boundary-search.js';
import { logitRange } from '../math/softmax.js';
import { requireInteger, requireMinTokensToKeep } from '../validation.js';
import type { FilterOptions } from './filter-options.js';

/**
 * Top-k (Hugging Face's `TopKLogitsWarper`): keeps the `topK` most likely tokens — every token
 * whose logit is at least the k-th largest, so tokens tied with the k-th are all kept — and sets
 * the others to `-Infinity`. `topK = 0` disables it (Hugging Face's `top_k=0`); the effective k
 * is `max(topK, minTokensToKeep)`.
 *
 * Cost: linear in the vocabulary (a histogram selection, no sort).
 */
export class TopKProcessor implements LogitsProcessor {
  /** k; 0 when disabled. */
  readonly topK: number;
  /** The fewest tokens kept. */
  readonly minTokensToKeep: number;
  private readonly search = new BoundarySearch();

  /** @param topK an integer ≥ 0 (0: disabled). */
  constructor(topK: number, options: FilterOptions = {}) {
    this.topK = requireInteger('topK', topK, 0);
    this.minTokensToKeep = requireMinTokensToKeep(options.minTokensToKeep);
  }

  process(logits: Float32Array): void {
    if (this.topK === 0) return;
    const keep = Math.max(this.topK, this.minTokensToKeep);
    if (keep >= logits.length) return;
    const { minimum, maximum } = logitRange(logits);
    this.search.find({
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
}
