import { nucleusKernelsWasm } from './nucleus-kernels-wasm.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  maximum(logits: number, count: number): number;
  exponentials(
    logits: number,
    count: number,
    maximum: number,
    weights: number,
    chunkSums: number,
  ): number;
  massAbove(logits: number, count: number, weights: number, id: number): number;
}

/** Entries per chunk sum. */
const chunkSize = 64;
/** Where the row starts in the module's memory. */
const logitsOffset = 64;

/**
 * The passes over a row that {@link sampleNucleusByRejection} makes, in WebAssembly SIMD
 * (nucleus-kernels.wat): about ten times faster than the same loops in JavaScript. One row at a
 * time: {@link load} copies it in, then the other methods read it.
 */
export class NucleusKernels {
  readonly #exports: KernelExports;
  #count = 0;
  #padded = 0;
  #floats = new Float32Array(0);
  #chunkSums = new Float64Array(0);

  private constructor(exports: KernelExports) {
    this.#exports = exports;
  }

  /**
   * The kernels, or `undefined` where WebAssembly SIMD is unavailable (engines before 2021,
   * WebAssembly disabled by policy): callers then use their JavaScript paths.
   */
  static create(): NucleusKernels | undefined {
    try {
      const bytes = Uint8Array.from(atob(nucleusKernelsWasm), (character) =>
        character.charCodeAt(0),
      );
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
      return new NucleusKernels(instance.exports as unknown as KernelExports);
    } catch {
      return undefined;
    }
  }

  /**
   * Copies `logits` in (padded with `-Infinity`); its largest value, NaN skipped — or `undefined`
   * when the module's memory cannot grow to hold the row (callers then use their JavaScript
   * paths).
   */
  load(logits: Float32Array): number | undefined {
    const count = logits.length;
    const padded = Math.ceil(count / chunkSize) * chunkSize;
    const needed = logitsOffset + 8 * padded + padded / 8;
    const memory = this.#exports.memory;
    if (memory.buffer.byteLength < needed) {
      try {
        memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      } catch {
        return undefined;
      }
    }
    if (this.#floats.buffer !== memory.buffer || this.#padded !== padded) {
      this.#floats = new Float32Array(memory.buffer);
      this.#chunkSums = new Float64Array(
        memory.buffer,
        this.#chunkSumsOffset(padded),
        padded / chunkSize,
      );
    }
    this.#count = count;
    this.#padded = padded;
    const start = logitsOffset / 4;
    this.#floats.set(logits, start);
    this.#floats.fill(Number.NEGATIVE_INFINITY, start + count, start + padded);
    return this.#exports.maximum(logitsOffset, padded);
  }

  /**
   * Computes each entry's weight `exp(logit − maximum)` (float32, a few ulps) and the sums of
   * every 64 in float64; returns their total.
   */
  exponentials(maximum: number): number {
    const padded = this.#padded;
    return this.#exports.exponentials(
      logitsOffset,
      padded,
      maximum,
      this.#weightsOffset(padded),
      this.#chunkSumsOffset(padded),
    );
  }

  /**
   * The entry where the running sum of the weights (in id order) passes `target` (of the total
   * that {@link exponentials} returned); rounding past the end gives the last entry that weighs.
   */
  draw(target: number): number {
    const sums = this.#chunkSums;
    let cumulative = 0;
    let chunk = 0;
    for (; chunk < sums.length; chunk++) {
      const next = cumulative + sums[chunk];
      if (next > target) break;
      cumulative = next;
    }
    const weights = this.#floats;
    const first = this.#weightsOffset(this.#padded) / 4;
    const count = this.#count;
    for (let id = chunk * chunkSize; id < count; id++) {
      const weight = weights[first + id];
      cumulative += weight;
      if (cumulative > target && weight > 0) return id;
    }
    // Rounding left the target at or past the total: the last entry that weighs.
    for (let id = count - 1; id >= 0; id--) if (weights[first + id] > 0) return id;
    return -1;
  }

  /** Entry `id`'s weight, `exp(logit − maximum)`, after {@link exponentials}. */
  weight(id: number): number {
    return this.#floats[this.#weightsOffset(this.#padded) / 4 + id];
  }

  /** The weight of the entries ranked above `id`: a larger logit, or an equal one and a lower id. */
  massAbove(id: number): number {
    const padded = this.#padded;
    return this.#exports.massAbove(logitsOffset, padded, this.#weightsOffset(padded), id);
  }

  #weightsOffset(padded: number): number {
    return logitsOffset + 4 * padded;
  }

  #chunkSumsOffset(padded: number): number {
    return logitsOffset + 8 * padded;
  }
}

let shared: NucleusKernels | null | undefined = null;

/** The kernels shared by every sampler (sampling is synchronous), made on first use. */
export function sharedNucleusKernels(): NucleusKernels | undefined {
  if (shared === null) shared = NucleusKernels.create();
  return shared;
}
