import type { LogitsProcessor } from '../logits-processor.js';
import { BoundarySearch } from '../math/boundary-search.js';
import { exponential } from '../math/exp.js';
import { requireMinTokensToKeep, requireNumber } from '../validation.js';
import { removeBelow } from './epsilon.js';
import type { FilterOptions } from './filter-options.js';

/**
 * Eta sampling (Hugging Face's `EtaLogitsWarper`, Hewitt et al. 2022): epsilon sampling with a
 * cutoff that adapts to the entropy `H` of the distribution,
 * `eta = min(epsilon, sqrt(epsilon) · exp(−H))` — removes every token whose probability is below
 * `eta`, except the `minTokensToKeep` most likely. `epsilon = 0` disables it; the paper suggests
 * 3e-4 – 4e-3.
 */
export class EtaProcessor implements LogitsProcessor {
  /** The epsilon hyperparameter, in [0, 1). */
  readonly epsilon: number;
  /** The fewest tokens kept. */
  readonly minTokensToKeep: number;
  readonly #search = new BoundarySearch();
  #weights = new Float64Array(0);

  /** @param epsilon a number in [0, 1) (0: disabled). */
  constructor(epsilon: number, options: FilterOptions = {}) {
    this.epsilon = requireNumber('eta epsilon', epsilon, 0, 1, { excludeMaximum: true });
    this.minTokensToKeep = requireMinTokensToKeep(options.minTokensToKeep);
  }

  process(logits: Float32Array): void {
    const epsilon = this.epsilon;
    if (epsilon === 0) return;
    if (this.#weights.length < logits.length) this.#weights = new Float64Array(logits.length);
    removeBelow(logits, this.#search, this.minTokensToKeep, this.#weights, (entropy) =>
      Math.min(epsilon, Math.sqrt(epsilon) * exponential(-entropy())),
    );
  }
}
