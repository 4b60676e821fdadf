import type { LogitsProcessor } from '../logits-processor.js';
import { BoundarySearch } from '../math/boundary-search.js';
import { logitRange } from '../math/softmax.js';
import { requireMinTokensToKeep, requireNumber } from '../validation.js';
import type { FilterOptions } from './filter-options.js';

/**
 * Min-p (Hugging Face's `MinPLogitsWarper`): removes every token whose probability is below
 * `minP` times the probability of the most likely token, keeping at least `minTokensToKeep`
 * (the most likely ones). `minP = 0` disables it; typical values are 0.01–0.2.
 *
 * `p < minP · p_max` is `logit − max_logit < ln(minP)`, so no softmax is needed.
 */
export class MinPProcessor implements LogitsProcessor {
  /** min-p, in [0, 1]. */
  readonly minP: number;
  /** The fewest tokens kept. */
  readonly minTokensToKeep: number;
  readonly #search = new BoundarySearch();

  /** @param minP a number in [0, 1] (0: disabled). */
  constructor(minP: number, options: FilterOptions = {}) {
    this.minP = requireNumber('minP', minP, 0, 1);
    this.minTokensToKeep = requireMinTokensToKeep(options.minTokensToKeep);
  }

  process(logits: Float32Array): void {
    if (this.minP === 0) return;
    const { minimum, maximum } = logitRange(logits);
    if (maximum === Number.NEGATIVE_INFINITY) return;
    const logMinP = Math.log(this.minP);
    // The most likely tokens kept anyway (the top one always passes: ln 1 ≥ ln minP).
    let keptKey = maximum;
    let keptLast = logits.length;
    if (this.minTokensToKeep > 1) {
      const boundary = this.#search.find({
        keys: logits,
        lowest: minimum,
        highest: maximum,
        weights: undefined,
        target: () => 0,
        minimumCount: this.minTokensToKeep,
      });
      if (boundary !== undefined) {
        keptKey = boundary.key;
        keptLast = boundary.index;
      }
    }
    for (let index = 0; index < logits.length; index++) {
      const value = logits[index];
      if (!(value - maximum < logMinP)) continue;
      if (value > keptKey || (value === keptKey && index <= keptLast)) continue;
      logits[index] = Number.NEGATIVE_INFINITY;
    }
  }
}
