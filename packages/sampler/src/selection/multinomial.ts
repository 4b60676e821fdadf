import { exponentialTable, exponentialWith } from '../math/exp.js';
import type { Random } from '../random.js';
import { allTokensRemoved } from './greedy.js';

/** Scratch space, reused across calls (sampling is synchronous). */
let scratchIndices = new Int32Array(0);
let scratchWeights = new Float64Array(0);

/**
 * Draws one token id from the softmax of `logits` (multinomial sampling), using one number from
 * `random`. Removed tokens (`-Infinity`, or `NaN`) are never drawn. The draw walks the ids in
 * ascending order over float64 cumulative weights computed with pure arithmetic (no
 * `Math.exp`), so a given `random` stream and row give the same id in every JavaScript engine.
 *
 * @throws SamplerError `ALL_TOKENS_REMOVED` when every logit is `-Infinity` or `NaN`.
 */
export function sampleToken(logits: Float32Array, random: Random): number {
  const length = logits.length;
  if (scratchIndices.length < length) {
    scratchIndices = new Int32Array(length);
    scratchWeights = new Float64Array(length);
  }
  const indices = scratchIndices;
  // One pass: the maximum, and the ids still in play, compacted without a branch (after a
  // filter, kept and removed ids alternate at random, and a branch would mispredict).
  let maximum = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let index = 0; index < length; index++) {
    const value = logits[index];
    indices[count] = index;
    count += +(value > Number.NEGATIVE_INFINITY);
    // biome-ignore lint/complexity/useMathMinMax: Math.max would let NaN through
    maximum = value > maximum ? value : maximum;
  }
  if (count === 0) throw allTokensRemoved();
  return drawAmongIds(logits, indices, count, maximum, random);
}

/**
 * Draws `ids[0, count)` (ascending) by their softmax weights `exp(logit − maximum)`, with one
 * number from `random`: the draw of {@link sampleToken} once the ids in play are known.
 */
export function drawAmongIds(
  logits: Float32Array,
  ids: Int32Array,
  count: number,
  maximum: number,
  random: Random,
): number {
  if (scratchWeights.length < count) scratchWeights = new Float64Array(logits.length);
  const weights = scratchWeights;
  const table = exponentialTable;
  let total = 0;
  for (let position = 0; position < count; position++) {
    const weight = exponentialWith(logits[ids[position]] - maximum, table);
    weights[position] = weight;
    total += weight;
  }
  return pickByWeight(ids, weights, count, random.next() * total);
}

/**
 * The first of `ids[0, count)` whose running weight passes `target` (a point in [0, total of
 * `weights`)); rounding that leaves it at the very end gives the last id with a weight.
 */
export function pickByWeight(
  ids: Int32Array,
  weights: Float64Array,
  count: number,
  target: number,
): number {
  let cumulative = 0;
  for (let position = 0; position < count; position++) {
    cumulative += weights[position];
    // Weightless ids leave the sum unchanged, so the first one past the target has weight.
    if (cumulative > target) return ids[position];
  }
  let last = count - 1;
  while (last > 0 && !(weights[last] > 0)) last--;
  return ids[last];
}
