import type { GenerationContext } from './generation-context.js';
import type { LogitsProcessor } from './logits-processor.js';
import type { Random } from './random.js';
import { sampleToken } from './selection/multinomial.js';

/**
 * Processors applied one after another, in the order given — and itself a processor, so a chain
 * can sit inside another. The order matters exactly as in Hugging Face's `LogitsProcessorList`:
 * penalties before temperature, temperature before the filters.
 *
 * ```ts
 * const chain = new ProcessorChain([
 *   new RepetitionPenaltyProcessor(1.2),
 *   new TemperatureProcessor(0.8),
 *   new TopKProcessor(40),
 *   new TopPProcessor(0.92),
 * ]);
 * chain.process(logits, context);
 * ```
 */
export class ProcessorChain implements LogitsProcessor {
  /** The processors, in the order they run. */
  readonly processors: readonly LogitsProcessor[];

  constructor(processors: readonly LogitsProcessor[] = []) {
    this.processors = [...processors];
  }

  /** Runs every processor on `logits`, in order. */
  process(logits: Float32Array, context: GenerationContext): void {
    for (const processor of this.processors) processor.process(logits, context);
  }

  /**
   * Runs every processor but the last, then draws a token through the last one's fast path
   * (see {@link LogitsProcessor.sample}) — or, when it has none, runs it and `sampleToken`.
   */
  sample(logits: Float32Array, context: GenerationContext, random: Random): number {
    const processors = this.processors;
    const last = processors.length - 1;
    for (let position = 0; position < last; position++) {
      processors[position].process(logits, context);
    }
    const final = processors[last];
    if (final?.sample !== undefined) return final.sample(logits, context, random);
    final?.process(logits, context);
    return sampleToken(logits, random);
  }
}
