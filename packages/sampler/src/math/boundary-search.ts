import { exponential } from './exp.js';

/**
 * Partial selection without sorting the vocabulary. The entries of a row are ordered by key,
 * highest first (ties: lower index first); the boundary is the first position in that order
 * where the running weight reaches a target and the running count reaches a minimum — the last
 * token a top-k / top-p / typical-p filter keeps.
 *
 * How: one pass builds a histogram of the keys (1024 bins over their range; counts, and the
 * weight of each bin); walking the bins from the top finds the bin the boundary falls in; a second
 * pass removes every entry of the lower bins and gathers the entries of that bin, which are then
 * either sorted (a few dozen) or binned again over their own, narrower range. Cost: two linear
 * passes plus a small sort, whatever the distribution; the vocabulary is never sorted. For
 * softmax weights the first pass needs no `exp` per entry (see `softmaxHistogram`).
 */

const binCount = 1024;
/** A boundary bin with at most this many entries is sorted instead of binned again. */
const sortLimit = 64;

/** The entry at the boundary position: its key and its index. */
export interface Boundary {
  key: number;
  index: number;
}

/** The weights of the entries: none (count only), given, or `exp(key − highest)` (softmax). */
export type BoundaryWeights = undefined | Float64Array | 'softmax';

/** What {@link BoundarySearch.find} looks for. */
export interface BoundaryQuery {
  /** The ordering key of each entry, higher first; entries at `-Infinity` / `NaN` are ignored. */
  keys: Float32Array;
  /** A lower bound of the keys above `-Infinity` (see `logitRange`). */
  lowest: number;
  /** The largest key. */
  highest: number;
  weights: BoundaryWeights;
  /** The target weight, given the total weight of the entries (0 for a count-only search). */
  target: (total: number) => number;
  /** The boundary is not before this many entries. */
  minimumCount: number;
  /**
   * Optional: set to `-Infinity` every entry after the boundary (in `output`, index by index).
   * `tiesKept`: entries with the boundary's key are all kept (top-k, typical-p); otherwise only
   * those up to the boundary's index (top-p).
   */
  output?: Float32Array;
  tiesKept?: boolean;
}

/** Reusable scratch space (one per processor, grown on demand). */
export class BoundarySearch {
  readonly #binWeights = new Float64Array(binCount);
  readonly #binCounts = new Int32Array(binCount);
  #candidates = new Int32Array(0);
  #spare = new Int32Array(0);
  /** The bin of each entry, from the softmax histogram (read back by the first gather). */
  #bins = new Uint16Array(0);
  #candidateLow = 0;
  #candidateHigh = 0;

  /**
   * Finds the boundary (and removes what follows it, when `output` is given).
   *
   * @returns the entry at the boundary; the last entry when the condition is never met;
   *   `undefined` when no key is above `-Infinity`.
   */
  find(query: BoundaryQuery): Boundary | undefined {
    const { keys, highest, weights, minimumCount } = query;
    if (!(highest > Number.NEGATIVE_INFINITY)) return undefined;
    if (this.#candidates.length < keys.length) {
      this.#candidates = new Int32Array(keys.length);
      this.#spare = new Int32Array(keys.length);
      this.#bins = new Uint16Array(keys.length);
    }
    const output = query.output ?? null;
    let low = query.lowest;
    let high = highest;
    let baseWeight = 0;
    let baseCount = 0;
    let target = Number.NaN;
    let count = -1; // -1: every entry is in play; otherwise the first `count` candidates
    for (;;) {
      let scale = binCount / (high - low);
      if (!(high > low) || !Number.isFinite(scale)) {
        if (count < 0) {
          count = this.#gatherAll(keys);
          target = query.target(this.#candidateTotal(keys, count, weights, highest));
        }
        break;
      }
      this.#binCounts.fill(0);
      this.#binWeights.fill(0);
      let countsFromWeights = false;
      let total: number;
      if (count >= 0) total = this.#candidateHistogram(keys, count, low, scale, weights, highest);
      else if (weights === undefined) total = this.#countHistogram(keys, low, scale);
      else if (weights === 'softmax') {
        // Bins at most 1/16 wide, for the polynomial in softmaxHistogram.
        low = Math.max(low, highest - 64);
        scale = binCount / (high - low);
        total = this.#softmaxHistogram(keys, low, scale, highest);
        if (minimumCount > 1 || !(query.target(total) > 0)) this.#countHistogram(keys, low, scale);
        else countsFromWeights = true;
      } else total = this.#weightHistogram(keys, low, scale, weights);
      if (Number.isNaN(target)) target = query.target(total);
      // Walk the bins from the top to the one where the condition first holds (else the lowest).
      let chosen = -1;
      let chosenEntries = 0;
      let reached = false;
      for (let bin = binCount - 1; bin >= 0; bin--) {
        // Without counts, a bin with weight stands for one entry at least (enough for a
        // minimum count of 1); bins of weight 0 are skipped.
        const binEntries = countsFromWeights ? +(this.#binWeights[bin] > 0) : this.#binCounts[bin];
        if (binEntries === 0) continue;
        const weight = baseWeight + this.#binWeights[bin];
        const entries = baseCount + binEntries;
        chosen = bin;
        chosenEntries = binEntries;
        if (weight >= target && entries >= minimumCount) {
          reached = true;
          break;
        }
        baseWeight = weight;
        baseCount = entries;
      }
      if (chosen < 0) return undefined;
      if (!reached) {
        // Never reached: the boundary is the last entry, in the lowest bin. Undo its addition.
        baseWeight -= this.#binWeights[chosen];
        baseCount -= chosenEntries;
      }
      count =
        count < 0
          ? weights === 'softmax'
            ? this.#gatherBinned(keys, chosen, output)
            : this.#gatherFirst(keys, low, scale, chosen, output)
          : this.#gatherCandidates(keys, count, low, scale, chosen, output);
      if (count <= sortLimit || !(this.#candidateHigh > this.#candidateLow)) break;
      low = this.#candidateLow;
      high = this.#candidateHigh;
    }
    return this.#walk(keys, count, baseWeight, baseCount, target, query);
  }

  // The hot loops use literals and locals, not module constants (bundlers turn those into
  // `var`s the optimizer re-checks at every use). In the histograms, entries at -Infinity / NaN
  // land in bin 0 with count 0 and weight 0.

  #countHistogram(keys: Float32Array, low: number, scale: number): number {
    const binCounts = this.#binCounts;
    const length = keys.length;
    for (let index = 0; index < length; index++) {
      const key = keys[index];
      binCounts[Math.max(0, Math.min(((key - low) * scale) | 0, 1023))] += +(
        key > Number.NEGATIVE_INFINITY
      );
    }
    return 0;
  }

  /**
   * Softmax weights `exp(key − highest)` per bin, without an `exp` per entry: each entry adds
   * `exp(key − center)` of its bin's center by a degree-5 polynomial (|key − center| is at most
   * half a bin, ≤ 1/32, so the relative error is below 2e-12), and each bin's sum is scaled by
   * `exp(center − highest)` once at the end. Keys more than 64 below `highest` (weight below
   * e^−64 ≈ 1.6e-28 each) are binned into bin 0 with weight 0.
   *
   * No counts: with `minimumCount ≤ 1` and a positive target, the boundary bin is the first
   * whose running weight reaches the target, never an empty one.
   */
  #softmaxHistogram(keys: Float32Array, low: number, scale: number, highest: number): number {
    const binWeights = this.#binWeights;
    const bins = this.#bins;
    const width = 1 / scale;
    const length = keys.length;
    for (let index = 0; index < length; index++) {
      const position = (keys[index] - low) * scale;
      const bin = Math.max(0, Math.min(position | 0, 1023));
      bins[index] = bin;
      const offset = (position - bin - 0.5) * width;
      const factor =
        1 +
        offset *
          (1 +
            offset *
              (0.5 +
                offset *
                  (0.16666666666666666 +
                    offset * (0.041666666666666664 + offset * 0.008333333333333333))));
      binWeights[bin] += position >= 0 ? factor : 0;
    }
    let total = 0;
    for (let bin = 0; bin < 1024; bin++) {
      const sum = binWeights[bin];
      if (sum === 0) continue;
      const weight = sum * exponential(low + (bin + 0.5) * width - highest);
      binWeights[bin] = weight;
      total += weight;
    }
    return total;
  }

  #weightHistogram(keys: Float32Array, low: number, scale: number, weights: Float64Array): number {
    const binCounts = this.#binCounts;
    const binWeights = this.#binWeights;
    const length = keys.length;
    let total = 0;
    for (let index = 0; index < length; index++) {
      const key = keys[index];
      const bin = Math.min(((key - low) * scale) | 0, 1023);
      const valid = +(key > Number.NEGATIVE_INFINITY);
      const weight = valid === 1 ? weights[index] : 0;
      binCounts[bin] += valid;
      binWeights[bin] += weight;
      total += weight;
    }
    return total;
  }

  #candidateHistogram(
    keys: Float32Array,
    count: number,
    low: number,
    scale: number,
    weights: BoundaryWeights,
    highest: number,
  ): number {
    const candidates = this.#candidates;
    let total = 0;
    for (let position = 0; position < count; position++) {
      const index = candidates[position];
      const bin = Math.min(((keys[index] - low) * scale) | 0, 1023);
      const weight = weightOf(keys, index, weights, highest);
      this.#binCounts[bin]++;
      this.#binWeights[bin] += weight;
      total += weight;
    }
    return total;
  }

  /**
   * First round: the entries of bin `chosen` become the candidates (in ascending index order);
   * those of lower bins are removed from `output`.
   */
  #gatherFirst(
    keys: Float32Array,
    low: number,
    scale: number,
    chosen: number,
    output: Float32Array | null,
  ): number {
    const candidates = this.#candidates;
    const length = keys.length;
    let kept = 0;
    for (let index = 0; index < length; index++) {
      const key = keys[index];
      if (!(key > Number.NEGATIVE_INFINITY)) continue;
      const bin = Math.max(0, Math.min(((key - low) * scale) | 0, 1023));
      if (bin > chosen) continue;
      if (bin < chosen) {
        if (output !== null) output[index] = Number.NEGATIVE_INFINITY;
        continue;
      }
      candidates[kept++] = index;
    }
    this.#updateRange(keys, kept);
    return kept;
  }

  /** {@link gatherFirst} with the bins the softmax histogram stored. */
  #gatherBinned(keys: Float32Array, chosen: number, output: Float32Array | null): number {
    const candidates = this.#candidates;
    const bins = this.#bins;
    const length = keys.length;
    let kept = 0;
    for (let index = 0; index < length; index++) {
      const bin = bins[index];
      if (bin > chosen) continue;
      if (!(keys[index] > Number.NEGATIVE_INFINITY)) continue;
      if (bin < chosen) {
        if (output !== null) output[index] = Number.NEGATIVE_INFINITY;
        continue;
      }
      candidates[kept++] = index;
    }
    this.#updateRange(keys, kept);
    return kept;
  }

  /** The key range of the first `count` candidates. */
  #updateRange(keys: Float32Array, count: number): void {
    let rangeLow = Number.POSITIVE_INFINITY;
    let rangeHigh = Number.NEGATIVE_INFINITY;
    for (let position = 0; position < count; position++) {
      const key = keys[this.#candidates[position]];
      rangeLow = Math.min(rangeLow, key);
      rangeHigh = Math.max(rangeHigh, key);
    }
    this.#candidateLow = rangeLow;
    this.#candidateHigh = rangeHigh;
  }

  /** Later rounds: the same over the current candidates. */
  #gatherCandidates(
    keys: Float32Array,
    count: number,
    low: number,
    scale: number,
    chosen: number,
    output: Float32Array | null,
  ): number {
    const source = this.#candidates;
    const target = this.#spare;
    let kept = 0;
    for (let position = 0; position < count; position++) {
      const index = source[position];
      const bin = Math.min(((keys[index] - low) * scale) | 0, 1023);
      if (bin > chosen) continue;
      if (bin < chosen) {
        if (output !== null) output[index] = Number.NEGATIVE_INFINITY;
        continue;
      }
      target[kept++] = index;
    }
    this.#spare = source;
    this.#candidates = target;
    this.#updateRange(keys, kept);
    return kept;
  }

  /** Every entry above `-Infinity` becomes a candidate (all keys equal, or a degenerate range). */
  #gatherAll(keys: Float32Array): number {
    let count = 0;
    for (let index = 0; index < keys.length; index++) {
      if (keys[index] > Number.NEGATIVE_INFINITY) this.#candidates[count++] = index;
    }
    return count;
  }

  #candidateTotal(
    keys: Float32Array,
    count: number,
    weights: BoundaryWeights,
    highest: number,
  ): number {
    let total = 0;
    for (let position = 0; position < count; position++) {
      total += weightOf(keys, this.#candidates[position], weights, highest);
    }
    return total;
  }

  /** Sorts the final candidates, finds the boundary among them and removes those after it. */
  #walk(
    keys: Float32Array,
    count: number,
    baseWeight: number,
    baseCount: number,
    target: number,
    query: BoundaryQuery,
  ): Boundary | undefined {
    if (count <= 0) return undefined;
    // Candidates are in ascending index order; sort by key, highest first (stable for ties).
    const order = Array.from(this.#candidates.subarray(0, count));
    order.sort((left, right) => keys[right] - keys[left] || left - right);
    let weight = baseWeight;
    let entries = baseCount;
    let position = 0;
    for (; position < order.length - 1; position++) {
      weight += weightOf(keys, order[position], query.weights, query.highest);
      entries++;
      if (weight >= target && entries >= query.minimumCount) break;
    }
    const index = order[position];
    const key = keys[index];
    const output = query.output;
    if (output !== undefined) {
      for (let after = position + 1; after < order.length; after++) {
        const removed = order[after];
        if (query.tiesKept === true && keys[removed] === key) continue;
        output[removed] = Number.NEGATIVE_INFINITY;
      }
    }
    return { key, index };
  }
}

function weightOf(
  keys: Float32Array,
  index: number,
  weights: BoundaryWeights,
  highest: number,
): number {
  if (weights === undefined) return 0;
  if (weights === 'softmax') return exponential(keys[index] - highest);
  return weights[index];
}
