import type { StepModel } from '../src/index.js';

/**
 * A deterministic table-driven language model: the logit of `token` after a sequence is a fixed
 * pseudo-random function of the whole sequence and the token (values in [−4, 4]), so beams and
 * orders matter. Implements the batched step API (and `reorder`, unless disabled) over per-row
 * token histories, and records every call.
 */
export class ToyModel implements StepModel {
  readonly vocabularySize: number;
  readonly calls: string[] = [];
  /** Per row, the tokens seen (the "cache"). */
  rows: number[][] = [];
  reorder?: (indices: readonly number[]) => Promise<void>;

  constructor(
    vocabularySize = 6,
    private readonly logitOf: (sequence: readonly number[], token: number) => number = hashedLogit,
    { withReorder = true } = {},
  ) {
    this.vocabularySize = vocabularySize;
    if (withReorder) {
      this.reorder = async (indices) => {
        this.calls.push(`reorder ${indices.join(',')}`);
        if (indices.length !== this.rows.length) throw new Error('reorder: wrong batch size');
        this.rows = indices.map((index) => [...this.rows[index]]);
      };
    }
  }

  /** The next-token logits after `sequence` (what a row returns). */
  logits(sequence: readonly number[]): Float32Array {
    return Float32Array.from({ length: this.vocabularySize }, (_, token) =>
      this.logitOf(sequence, token),
    );
  }

  async prefill(ids: readonly number[] | readonly (readonly number[])[]): Promise<Float32Array> {
    const rows = (Array.isArray(ids[0]) ? ids : [ids]) as readonly (readonly number[])[];
    this.calls.push(`prefill ${rows.length}×${rows[0].length}`);
    this.rows = rows.map((row) => [...row]);
    return this.output();
  }

  async step(tokens: number | readonly number[]): Promise<Float32Array> {
    const column = typeof tokens === 'number' ? [tokens] : [...tokens];
    this.calls.push(`step ${column.join(',')}`);
    if (column.length !== this.rows.length) throw new Error('step: one token per row');
    column.forEach((token, row) => {
      if (!Number.isInteger(token) || token < 0 || token >= this.vocabularySize) {
        throw new Error(`step: token ${token} outside the vocabulary`);
      }
      this.rows[row].push(token);
    });
    return this.output();
  }

  private output(): Float32Array {
    const result = new Float32Array(this.rows.length * this.vocabularySize);
    this.rows.forEach((row, index) => {
      result.set(this.logits(row), index * this.vocabularySize);
    });
    return result;
  }
}

/** A fixed pseudo-random logit in [−4, 4] for (sequence, token). */
export function hashedLogit(sequence: readonly number[], token: number): number {
  let hash = 0x811c9dc5;
  for (const id of [...sequence, 1_000_003, token]) {
    hash ^= id & 0xffff;
    hash = Math.imul(hash, 0x01000193);
    hash ^= id >>> 16;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return ((hash >>> 0) / 0xffffffff) * 8 - 4;
}

/** log-softmax in float64 (the tests' reference). */
export function referenceLogSoftmax(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const finite = values.filter((value) => value > Number.NEGATIVE_INFINITY);
  const maximum = Math.max(...finite);
  const normalizer =
    maximum + Math.log(finite.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
  return values.map((value) => value - normalizer);
}

/** softmax in float64 (the tests' reference). */
export function referenceSoftmax(logits: ArrayLike<number>): number[] {
  return referenceLogSoftmax(logits).map((value) => Math.exp(value));
}

/** A row of float32 logits from numbers. */
export function row(...values: number[]): Float32Array {
  return Float32Array.from(values);
}
