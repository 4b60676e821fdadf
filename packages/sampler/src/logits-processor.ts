import type { GenerationContext } from './generation-context.js';

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
}
