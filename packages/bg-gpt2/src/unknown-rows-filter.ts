import type { LogitsProcessor } from '@bg-gpt2/sampler';

/**
 * Never generates ids the tokenizer cannot decode: models often have more embedding rows than
 * the tokenizer has pieces (a vocabulary padded for speed); those rows get `-Infinity`.
 */
export class UnknownRowsFilter implements LogitsProcessor {
  /** @param pieceCount the tokenizer's number of pieces; ids from here on are removed. */
  constructor(readonly pieceCount: number) {}

  process(logits: Float32Array): void {
    logits.fill(Number.NEGATIVE_INFINITY, this.pieceCount);
  }
}
