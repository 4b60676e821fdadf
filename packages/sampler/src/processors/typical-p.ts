import type { LogitsProcessor } from '../logits-processor.js';
import { BoundarySearch } from '../math/boundary-search.js';
import { logitRange, softmaxWeights } from '../math/softmax.js';
import { requireMinTokensToKeep, requireNumber } from '../validation.js';
import type { FilterOptions } from './filter-options.js';

/**
 * Locally typical sampling (Hugging Face's `TypicalLogitsWarper`, Meister et al. 2022): orders
 * the tokens by how close their information content `−log p` is to the entropy `H` of the
 * distribution, and keeps the closest ones until their probabilities add up to `mass`; tokens
 * exactly as far from `H` as the last one kept are kept too, and at least `minTokensToKeep`.
 * The most likely token may be removed. `mass = 1` disables it (Hugging Face's `typical_p=1`).
 */
export class TypicalPProcessor implements LogitsProcessor {
  /** The probability mass kept, in (0, 1]. */
  readonly mass: number;
  /** The fewest tokens kept. */
  readonly minTokensToKeep: number;
  readonly #search = new BoundarySearch();
  #weights = new Float64Array(0);
  #keys = new Float32Array(0);

  /** @param mass a number in (0, 1] (1: disabled). */
  constructor(mass: number, options: FilterOptions = {}) {
    this.mass = requireNumber('typicalP', mass, 0, 1, { excludeMinimum: true });
    this.minTokensToKeep = requireMinTokensToKeep(options.minTokensToKeep);
  }

  process(logits: Float32Array): void {
    if (this.mass >= 1) return;
    const { maximum } = logitRange(logits);
    if (maximum === Number.NEGATIVE_INFINITY) return;
    const length = logits.length;
    if (this.#weights.length < length) {
      this.#weights = new Float64Array(length);
      this.#keys = new Float32Array(length);
    }
    const weights = this.#weights;
    const keys = this.#keys;
    const total = softmaxWeights(logits, maximum, weights);
    let weightedLogits = 0;
    for (let index = 0; index < length; index++) {
      if (weights[index] > 0) weightedLogits += weights[index] * (logits[index] - maximum);
    }
    const logTotal = Math.log(total);
    // log p_i = logit_i − shift, H = −Σ p_i log p_i; the key is −|−log p_i − H| = −|logit_i − center|.
    const shift = maximum + logTotal;
    const entropy = logTotal - weightedLogits / total;
    const center = shift - entropy;
    let lowest = Number.POSITIVE_INFINITY;
    let highest = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < length; index++) {
      const value = logits[index];
      if (value > Number.NEGATIVE_INFINITY) {
        keys[index] = -Math.abs(value - center);
        const key = keys[index]; // rounded to float32, as stored
        if (key < lowest) lowest = key;
        if (key > highest) highest = key;
      } else {
        keys[index] = Number.NEGATIVE_INFINITY;
      }
    }
    this.#search.find({
      keys: keys.length === length ? keys : keys.subarray(0, length),
      lowest,
      highest,
      weights,
      target: (total) => this.mass * total,
      minimumCount: this.minTokensToKeep,
      output: logits,
      tiesKept: true,
    });
  }
}
