import type { GenerationContext } from './generation-context.js';
import type { Random } from './random.js';

/**
 * One step of the decoding chain: changes one row of next-token logits in place (one entry per
 * vocabulary id), knowing the tokens so far. Filters set the logits of removed tokens to
 * `-Infinity`; penalties and biases change values. A {@link ProcessorChain} of processors is
 * itself a processor, so chains nest.
 *
 * Processors are small objects configured once and called every step; they keep no state
 * between calls that depends on the sequence (everything comes from `context`), so one instance
 * can serve several sequences, beams included.
 */
export interface LogitsProcessor {
  /** Processes `logits` (one row, length = vocabulary size) in place. */
  process(logits: Float32Array, context: GenerationContext): void;

  /**
   * Optional fast path when this processor is the last before multinomial sampling: returns one
   * token id drawn, with `random`, from the distribution that `process` followed by
   * `sampleToken` draws from (a seed may pick other ids than that pair does). `logits` may be
   * left processed, partly processed or unchanged. The decode loop uses it when no
   * log-probabilities are asked for; {@link ProcessorChain} passes it on to its last processor,
   * and {@link TopPProcessor} implements it (top-p over the whole vocabulary and the draw in two
   * passes over the logits instead of six).
   */
  sample?(logits: Float32Array, context: GenerationContext, random: Random): number;
}
