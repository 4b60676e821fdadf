import type { LogitsProcessor } from '../logits-processor.js';
import { BoundarySearch } from '../math/boundary-search.js';
import { logitRange, softmaxWeights } from '../math/softmax.js';
import { requireMinTokensToKeep, requireNumber } from '../validation.js';
import type { FilterOptions } from './filter-options.js';

/**
 * Epsilon sampling (Hugging Face's `EpsilonLogitsWarper`, Hewitt et al. 2022): removes every
 * token whose probability is below `epsilon`, except the `minTokensToKeep` most likely (and any
 * token tied with the last of them). `epsilon = 0` disables it; the paper suggests 3e-4 – 9e-4.
 */
export class EpsilonProcessor implements LogitsProcessor {
  /** The probability cutoff, in [0, 1). */
  readonly epsilon: number;
  /** The fewest tokens kept. */
  readonly minTokensToKeep: number;
  readonly #search = new BoundarySearch();
  #weights = new Float64Array(0);

  /** @param epsilon a number in [0, 1) (0: disabled). */
  constructor(epsilon: number, options: FilterOptions = {}) {
    this.epsilon = requireNumber('epsilon', epsilon, 0, 1, { excludeMaximum: true });
    this.minTokensToKeep = requireMinTokensToKeep(options.minTokensToKeep);
  }

  process(logits: Float32Array): void {
    const epsilon = this.epsilon;
    if (epsilon === 0) return;
    if (this.#weights.length < logits.length) this.#weights = new Float64Array(logits.length);
    removeBelow(logits, this.#search, this.minTokensToKeep, this.#weights, () => epsilon);
  }
}

/**
 * Sets to `-Infinity` every token whose probability is below `cutoff(entropy)` unless its logit
 * is at least the `minTokensToKeep`-th largest. Shared by epsilon and eta sampling; `entropy()`
 * computes the distribution's entropy (in nats) when the cutoff needs it.
 */
export function removeBelow(
  logits: Float32Array,
  search: BoundarySearch,
  minTokensToKeep: number,
  weights: Float64Array,
  cutoff: (entropy: () => number) => number,
): void {
  const { minimum, maximum } = logitRange(logits);
  if (maximum === Number.NEGATIVE_INFINITY) return;
  const length = logits.length;
  const total = softmaxWeights(logits, maximum, weights);
  const entropy = (): number => {
    let weightedLogits = 0;
    for (let index = 0; index < length; index++) {
      if (weights[index] > 0) weightedLogits += weights[index] * (logits[index] - maximum);
    }
    return Math.log(total) - weightedLogits / total;
  };
  const limit = cutoff(entropy);
  let kept = maximum;
  if (minTokensToKeep > 1) {
    const boundary = search.find({
      keys: logits,
      lowest: minimum,
      highest: maximum,
      weights: undefined,
      target: () => 0,
      minimumCount: minTokensToKeep,
    });
    if (boundary !== undefined) kept = boundary.key;
  }
  for (let index = 0; index < length; index++) {
    if (weights[index] / total < limit && logits[index] < kept) {
      logits[index] = Number.NEGATIVE_INFINITY;
    }
  }
}
