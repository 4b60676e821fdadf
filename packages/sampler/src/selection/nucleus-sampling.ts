import { exponential, exponentialTable, exponentialWith } from '../math/exp.js';
import { logitMaximum } from '../math/softmax.js';
import type { Random } from '../random.js';
import { allTokensRemoved } from './greedy.js';
import { pickByWeight } from './multinomial.js';

/**
 * Top-p filtering and the multinomial draw in one go — the model card's decoding (`top_p`
 * over the whole vocabulary, then sampling) at the cost of about two passes over the logits
 * instead of six. Draws from exactly the distribution that {@link TopPProcessor} followed by
 * {@link sampleToken} draws from (the same nucleus, the same renormalized probabilities), but
 * consumes the random number differently, so a seed picks other tokens than that pair does.
 *
 * How:
 * 1. one pass finds the largest logit (the smallest is estimated from every 16th);
 * 2. one pass bins every logit by value (4096 bins over the range, at most 1/64 wide, down to
 *    64 below the largest logit; lower ones weigh under e^−64 and can never be in a nucleus) and
 *    sums the softmax weight of each bin with a cubic around the bin's center (relative error
 *    below 2e-10 — float32 logits themselves are only good to 6e-8), with no `exp` per logit;
 * 3. walking the bins from the top finds the bin the nucleus ends in; its entries are gathered,
 *    sorted by value (a typed-array sort of a few hundred packed keys) and walked exactly, as
 *    Hugging Face does (ties: lower id first) — a boundary bin of thousands of ties goes to
 *    the general path instead;
 * 4. the draw picks a bin by its weight, then an entry inside it by exact weights.
 *
 * Every step is plain IEEE-754 arithmetic (no `Math.exp`), so a seed gives the same tokens in
 * every JavaScript engine. `logits` is read, never written.
 *
 * @returns the id, or `-1` for the rows left to the general path: `+Infinity` in the row,
 *   thousands of ties at the nucleus's boundary, or more than 2^20 entries.
 * @throws SamplerError `ALL_TOKENS_REMOVED` when every logit is `-Infinity` or `NaN`.
 */
export function sampleNucleus(logits: Float32Array, topP: number, random: Random): number {
  const length = logits.length;
  if (length > idSpan) return -1;
  if (scratch.next.length < length) {
    scratch.next = new Int32Array(length);
    scratch.members = new Int32Array(length);
    scratch.memberWeights = new Float64Array(length);
    scratch.packed = new Float64Array(length);
  }
  const highest = logitMaximum(logits);
  if (!(highest > Number.NEGATIVE_INFINITY)) throw allTokensRemoved();
  if (!(highest < Number.POSITIVE_INFINITY)) return -1;
  // 4096 bins from `low` to the largest logit, at most 1/64 wide; `low` is at most 64 below
  // it, and as high as the row allows: estimated from every 16th logit with a wide margin, then
  // checked by the histogram pass (a miss costs one more pass, with the exact minimum).
  let total = histogram(logits, binLow(highest, sampledMinimum(logits, 16)), highest);
  if (Number.isNaN(total)) {
    total = histogram(logits, binLow(highest, sampledMinimum(logits, 1)), highest);
  }

  // The bin where the kept mass first reaches total − (1 − p) · total (else the lowest bin).
  const target = total - (1 - topP) * total;
  let above = 0;
  let boundaryBin = 0;
  let reached = false;
  for (let bin = binCount - 1; bin >= 0; bin--) {
    const weight = binWeights[bin];
    if (weight === 0) continue;
    boundaryBin = bin;
    if (above + weight >= target) {
      reached = true;
      break;
    }
    above += weight;
  }
  // Rounding left the target past every bin: the boundary is in the lowest one.
  if (!reached) above -= binWeights[boundaryBin];

  // The boundary bin, highest first: kept up to the entry where the mass reaches the target.
  const count = sortedBoundary(logits, boundaryBin, highest);
  if (count < 0) return -1;
  const weights = scratch.memberWeights;
  let kept = count;
  let keptWeight = above;
  for (let position = 0; position < count; position++) {
    keptWeight += weights[position];
    if (keptWeight >= target) {
      kept = position + 1;
      break;
    }
  }
  if (kept === count) {
    keptWeight = above;
    for (let position = 0; position < count; position++) keptWeight += weights[position];
  }

  // The draw: a bin above the boundary by its weight, else an entry of the boundary bin.
  const drawn = random.next() * keptWeight;
  if (drawn < above) {
    let cumulative = 0;
    for (let bin = binCount - 1; bin > boundaryBin; bin--) {
      const weight = binWeights[bin];
      if (cumulative + weight > drawn) {
        return drawInBin(logits, bin, highest, (drawn - cumulative) / weight);
      }
      cumulative += weight;
    }
  }
  return drawAmong(kept, drawn - above, keptWeight - above);
}

const binCount = 4096;
/** The most entries the boundary bin may hold; more (a row of ties) go to the general path. */
const sortLimit = 4096;
/** Ids are packed below this (2^20) in the sort keys; vocabularies are far smaller. */
const idSpan = 1048576;

// Scratch space, shared (sampling is synchronous).
/**
 * Softmax weight `Σ exp(logit − highest)` per bin; two more slots collect the entries that cannot
 * be drawn: 4096 those below the range, 4097 the removed ones (`-Infinity`, `NaN`).
 */
const binWeights = new Float64Array(binCount + 2);
/**
 * Each bin's entries as a linked list, ascending: `heads[bin]` is the first id (-1: none),
 * `scratch.next[id]` the following one.
 */
const heads = new Int32Array(binCount + 2);
const scratch = {
  next: new Int32Array(0),
  /** The ids of one bin's entries (ascending, or sorted), then their exact weights. */
  members: new Int32Array(0),
  memberWeights: new Float64Array(0),
  /** Packed sort keys of the boundary bin. */
  packed: new Float64Array(0),
};

/**
 * Bins every entry and sums the softmax weights per bin (see {@link sampleNucleus}); the total,
 * or `NaN` when a logit that weighs lies below `rangeLow`. Bins are at most 1/64 wide: an entry
 * is at most 1/128 from its bin's center, where `1 + o + o²/2 + o³/6` is within 2e-10 of
 * `exp(o)`.
 */
function histogram(logits: Float32Array, rangeLow: number, highest: number): number {
  binWeights.fill(0);
  heads.fill(-1);
  // A row of one value gets the widest bins (a single bin would be as good).
  const low = highest > rangeLow ? rangeLow : highest - 64;
  const scale = 4096 / (highest - low);
  const width = 1 / scale;
  const next = scratch.next;
  binLogits(logits, low, scale, next);
  // Logits below `low` that still weigh (within 64 of the largest) mean `low` was too high.
  const cutoff = highest - 64;
  // (Removed entries have their own list, 4097, so a row of them costs no walk here.)
  for (let index = heads[4096]; index >= 0; index = next[index]) {
    if (logits[index] >= cutoff) return Number.NaN;
  }
  binWeights[4096] = 0;
  binWeights[4097] = 0;
  // Scale each bin by exp(center − highest), from the top bin down, one factor per bin.
  const step = exponential(-width);
  let factor = exponential(low + 4095.5 * width - highest);
  let total = 0;
  for (let bin = 4095; bin >= 0; bin--) {
    const weight = binWeights[bin] * factor;
    binWeights[bin] = weight;
    total += weight;
    factor *= step;
  }
  return total;
}

/**
 * The hot loop: each entry's bin (linked into the bin's list) and its weight relative to the
 * bin's center, `1 + o + o²/2 + o³/6`. Backwards, so that each list comes out in ascending id
 * order. The scratch arrays are constants of a closure — not module constants, which bundlers
 * turn into `var`s — and the bounds literals, so that V8 folds them into the loop (a third
 * faster than reading them as arguments or module variables).
 */
const binLogits = binningLoop(heads, binWeights);

function binningLoop(
  heads: Int32Array,
  binWeights: Float64Array,
): (logits: Float32Array, low: number, scale: number, next: Int32Array) => void {
  return (logits, low, scale, next) => {
    const width = 1 / scale;
    for (let index = logits.length - 1; index >= 0; index--) {
      const position = (logits[index] - low) * scale;
      // Logits below the range go to the weightless bin 4096; NaN and -Infinity to 4097.
      const bin =
        position >= 0
          ? position < 4095
            ? position | 0
            : 4095
          : position > Number.NEGATIVE_INFINITY
            ? 4096
            : 4097;
      next[index] = heads[bin];
      heads[bin] = index;
      const offset = (position - bin - 0.5) * width;
      const square = offset * offset;
      binWeights[bin] += 1 + offset + square * (0.5 + offset * 0.16666666666666666);
    }
  };
}

/** Gathers the ids of bin `bin` into `members`, ascending; their count. */
function gather(bin: number): number {
  const next = scratch.next;
  const members = scratch.members;
  let count = 0;
  for (let index = heads[bin]; index >= 0; index = next[index]) members[count++] = index;
  return count;
}

/**
 * The entries of the boundary bin in `members`, highest logit first (ties: lower id first),
 * with their exact weights in `memberWeights`; their count — or -1 when the bin holds more
 * than {@link sortLimit} entries (a row of ties: left to the general path).
 */
function sortedBoundary(logits: Float32Array, bin: number, highest: number): number {
  const count = gather(bin);
  if (count > sortLimit) return -1;
  const members = scratch.members;
  const packed = scratch.packed.subarray(0, count);
  // A float32's bits, flipped for negatives and offset for positives, order it as a number:
  // pack them with the reversed id, sort the numbers, read from the top.
  const bits = new Uint32Array(logits.buffer, logits.byteOffset, logits.length);
  for (let position = 0; position < count; position++) {
    const index = members[position];
    const word = bits[index] === 0x80000000 ? 0 : bits[index]; // -0 sorts as +0
    const order = word >= 0x80000000 ? 0xffffffff - word : word + 0x80000000;
    packed[position] = order * idSpan + (idSpan - 1 - index);
  }
  packed.sort();
  const weights = scratch.memberWeights;
  const table = exponentialTable;
  for (let position = 0; position < count; position++) {
    const index = idSpan - 1 - (packed[count - 1 - position] % idSpan);
    members[position] = index;
    weights[position] = exponentialWith(logits[index] - highest, table);
  }
  return count;
}

/** An entry of bin `bin` (above the boundary), at `fraction` ∈ [0, 1) of its weight. */
function drawInBin(logits: Float32Array, bin: number, highest: number, fraction: number): number {
  const count = gather(bin);
  const members = scratch.members;
  const weights = scratch.memberWeights;
  const table = exponentialTable;
  let sum = 0;
  for (let position = 0; position < count; position++) {
    const weight = exponentialWith(logits[members[position]] - highest, table);
    weights[position] = weight;
    sum += weight;
  }
  return drawAmong(count, fraction * sum, sum);
}

/** The first of `members[0, count)` whose running weight passes `drawn` (of `sum`). */
function drawAmong(count: number, drawn: number, sum: number): number {
  return pickByWeight(scratch.members, scratch.memberWeights, count, Math.min(drawn, sum));
}

/** The smallest logit above `-Infinity` among every `stride`-th one (`+Infinity`: none). */
function sampledMinimum(logits: Float32Array, stride: number): number {
  let minimum = Number.POSITIVE_INFINITY;
  for (let index = 0; index < logits.length; index += stride) {
    const value = logits[index];
    if (value < minimum && value > Number.NEGATIVE_INFINITY) minimum = value;
  }
  return minimum;
}

/**
 * The low end of the bins: below the (estimated) minimum by the whole spread — room for the
 * logits an estimate misses — but never more than 64 below the largest logit.
 */
function binLow(highest: number, minimum: number): number {
  if (!(minimum < Number.POSITIVE_INFINITY)) return highest - 64;
  return Math.max(highest - 64, minimum - (highest - minimum));
}
