import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { BoundarySearch } from '../math/boundary-search.js';
import { logitRange } from '../math/softmax.js';
import type { Random } from '../random.js';
import { sampleToken } from '../selection/multinomial.js';
import { sharedNucleusKernels } from '../selection/nucleus-kernels.js';
import { sampleNucleus } from '../selection/nucleus-sampling.js';
import { sampleNucleusByRejection } from '../selection/rejection-nucleus-sampling.js';
import { requireMinTokensToKeep, requireNumber } from '../validation.js';
import type { FilterOptions } from './filter-options.js';

/**
 * Top-p, nucleus sampling (Hugging Face's `TopPLogitsWarper`): keeps the smallest set of most
 * likely tokens whose probabilities add up to `topP` or more, and sets the others to
 * `-Infinity`. Exactly as Hugging Face: walking from the least likely token up, a token is
 * removed while the probability mass up to and including it is `<= 1 − topP`; at least
 * `minTokensToKeep` tokens stay. `topP = 1` disables it; `topP = 0` keeps only the most likely
 * token(s) (`minTokensToKeep`). Tokens of equal probability at the boundary are taken lower id
 * first.
 *
 * Cost: linear in the vocabulary — the boundary is found by a histogram selection over the
 * logits, and only the few tokens around it are sorted (never the whole vocabulary). As the last
 * processor before sampling, {@link TopPProcessor.sample} filters and draws in two passes.
 */
export class TopPProcessor implements LogitsProcessor {
  /** p, in [0, 1]. */
  readonly topP: number;
  /** The fewest tokens kept. */
  readonly minTokensToKeep: number;
  readonly #search = new BoundarySearch();
  #copy = new Float32Array(0);

  /** @param topP a number in [0, 1] (1: disabled). */
  constructor(topP: number, options: FilterOptions = {}) {
    this.topP = requireNumber('topP', topP, 0, 1);
    this.minTokensToKeep = requireMinTokensToKeep(options.minTokensToKeep);
  }

  process(logits: Float32Array): void {
    if (this.topP >= 1) return;
    const { minimum, maximum } = logitRange(logits);
    const complement = 1 - this.topP;
    // Removed: the least likely tokens whose mass stays within (1 − p); kept: the head up to the
    // first position where its mass reaches total − (1 − p) · total.
    this.#search.find({
      keys: logits,
      lowest: minimum,
      highest: maximum,
      weights: 'softmax',
      target: (total) => total - complement * total,
      minimumCount: this.minTokensToKeep,
      output: logits,
      tiesKept: false,
    });
  }

  /**
   * Top-p and the multinomial draw at once: the distribution of `process` then `sampleToken`.
   * For `topP` ≥ 1/2 (the usual settings), by rejection from the whole softmax in WebAssembly
   * SIMD ({@link sampleNucleusByRejection}); else, or without WebAssembly, by the histogram method
   * ({@link sampleNucleus}). A seed gives the same tokens in every engine with WebAssembly SIMD
   * (all current browsers and Node). `logits` is left unchanged, except in the rare rows both
   * leave to `process` (thousands of ties at the boundary, `+Infinity`).
   */
  sample(logits: Float32Array, _context: GenerationContext, random: Random): number {
    if (this.topP < 1 && this.minTokensToKeep === 1) {
      const kernels = this.topP >= 0.5 ? sharedNucleusKernels() : undefined;
      if (kernels !== undefined) {
        const token = sampleNucleusByRejection(logits, this.topP, random, kernels, (id) =>
          this.#keeps(logits, id),
        );
        if (token >= 0) return token;
      }
      const token = sampleNucleus(logits, this.topP, random);
      if (token >= 0) return token;
    }
    this.process(logits);
    return sampleToken(logits, random);
  }

  /** Whether `process` keeps token `id` of `logits` (run on a copy). */
  #keeps(logits: Float32Array, id: number): boolean {
    if (this.#copy.length !== logits.length) this.#copy = new Float32Array(logits.length);
    this.#copy.set(logits);
    this.process(this.#copy);
    return this.#copy[id] > Number.NEGATIVE_INFINITY;
  }
}
