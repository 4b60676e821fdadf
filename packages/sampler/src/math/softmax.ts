import { exponentialTable, exponentialWith } from './exp.js';

/**
 * Softmax arithmetic over one row of logits. `-Infinity` (a removed token) and `NaN` count as
 * probability 0 everywhere; sums are taken in float64.
 */

/** The range of the finite logits of a row: `maximum` is `-Infinity` when there is none. */
export interface LogitRange {
  minimum: number;
  maximum: number;
}

/** The smallest and largest logit of `logits` above `-Infinity` (`NaN` ignored). */
export function logitRange(logits: Float32Array): LogitRange {
  // Four independent running extremes (the loop is bound by the compare-select chain), as
  // ternaries so that NaN (which compares false) is skipped; -Infinity is handled after.
  let maximum0 = Number.NEGATIVE_INFINITY;
  let maximum1 = Number.NEGATIVE_INFINITY;
  let maximum2 = Number.NEGATIVE_INFINITY;
  let maximum3 = Number.NEGATIVE_INFINITY;
  let minimum0 = Number.POSITIVE_INFINITY;
  let minimum1 = Number.POSITIVE_INFINITY;
  let minimum2 = Number.POSITIVE_INFINITY;
  let minimum3 = Number.POSITIVE_INFINITY;
  const length = logits.length;
  let index = 0;
  for (; index + 3 < length; index += 4) {
    const value0 = logits[index];
    const value1 = logits[index + 1];
    const value2 = logits[index + 2];
    const value3 = logits[index + 3];
    // biome-ignore-start lint/complexity/useMathMinMax: Math.max would let NaN through
    maximum0 = value0 > maximum0 ? value0 : maximum0;
    maximum1 = value1 > maximum1 ? value1 : maximum1;
    maximum2 = value2 > maximum2 ? value2 : maximum2;
    maximum3 = value3 > maximum3 ? value3 : maximum3;
    minimum0 = value0 < minimum0 ? value0 : minimum0;
    minimum1 = value1 < minimum1 ? value1 : minimum1;
    minimum2 = value2 < minimum2 ? value2 : minimum2;
    minimum3 = value3 < minimum3 ? value3 : minimum3;
    // biome-ignore-end lint/complexity/useMathMinMax: Math.max would let NaN through
  }
  for (; index < length; index++) {
    const value = logits[index];
    // biome-ignore-start lint/complexity/useMathMinMax: Math.max would let NaN through
    maximum0 = value > maximum0 ? value : maximum0;
    minimum0 = value < minimum0 ? value : minimum0;
    // biome-ignore-end lint/complexity/useMathMinMax: Math.max would let NaN through
  }
  const maximum = Math.max(maximum0, maximum1, maximum2, maximum3);
  let minimum = Math.min(minimum0, minimum1, minimum2, minimum3);
  if (maximum === Number.NEGATIVE_INFINITY) return { minimum: maximum, maximum };
  if (minimum === Number.NEGATIVE_INFINITY) {
    // Removed tokens are usually scattered at random: select without a branch.
    const select = finiteOrInfinity;
    select[0] = Number.POSITIVE_INFINITY;
    minimum = Number.POSITIVE_INFINITY;
    for (let position = 0; position < length; position++) {
      const value = logits[position];
      select[1] = value;
      minimum = Math.min(minimum, select[+(value > Number.NEGATIVE_INFINITY)]);
    }
  }
  return { minimum, maximum };
}

/** `[+Infinity, value]`: a branch-free select by index. */
const finiteOrInfinity = new Float64Array(2);

/** The largest logit of `logits` (`-Infinity` when none is above it; `NaN` ignored). */
export function logitMaximum(logits: Float32Array): number {
  let maximum0 = Number.NEGATIVE_INFINITY;
  let maximum1 = Number.NEGATIVE_INFINITY;
  let maximum2 = Number.NEGATIVE_INFINITY;
  let maximum3 = Number.NEGATIVE_INFINITY;
  const length = logits.length;
  let index = 0;
  for (; index + 3 < length; index += 4) {
    const value0 = logits[index];
    const value1 = logits[index + 1];
    const value2 = logits[index + 2];
    const value3 = logits[index + 3];
    // biome-ignore-start lint/complexity/useMathMinMax: Math.max would let NaN through
    maximum0 = value0 > maximum0 ? value0 : maximum0;
    maximum1 = value1 > maximum1 ? value1 : maximum1;
    maximum2 = value2 > maximum2 ? value2 : maximum2;
    maximum3 = value3 > maximum3 ? value3 : maximum3;
    // biome-ignore-end lint/complexity/useMathMinMax: Math.max would let NaN through
  }
  for (; index < length; index++) {
    const value = logits[index];
    // biome-ignore lint/complexity/useMathMinMax: Math.max would let NaN through
    maximum0 = value > maximum0 ? value : maximum0;
  }
  return Math.max(maximum0, maximum1, maximum2, maximum3);
}

/**
 * Writes `exp(logit − maximum)` of every entry into `weights` (0 for removed tokens) and returns
 * their sum, the softmax's denominator relative to `maximum`.
 */
export function softmaxWeights(
  logits: ArrayLike<number>,
  maximum: number,
  weights: Float64Array,
): number {
  const table = exponentialTable;
  const length = logits.length;
  let total = 0;
  for (let index = 0; index < length; index++) {
    const weight = exponentialWith(logits[index] - maximum, table);
    weights[index] = weight;
    total += weight;
  }
  return total;
}

/**
 * `log Σ exp(logits)`, computed stably; `-Infinity` when every logit is `-Infinity` (or `NaN`).
 */
export function logSumExp(logits: ArrayLike<number>): number {
  let maximum = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < logits.length; index++) {
    if (logits[index] > maximum) maximum = logits[index];
  }
  if (maximum === Number.NEGATIVE_INFINITY) return maximum;
  const table = exponentialTable;
  let total = 0;
  for (let index = 0; index < logits.length; index++) {
    total += exponentialWith(logits[index] - maximum, table);
  }
  return maximum + Math.log(total);
}

/**
 * Log-probabilities of a row of logits (log-softmax): `output[i] = logits[i] − logSumExp(logits)`.
 * Removed tokens stay `-Infinity`. Writes into `output` (a new array by default; pass `logits`
 * itself to work in place) and returns it.
 */
export function logSoftmax(
  logits: Float32Array,
  output: Float32Array = new Float32Array(logits.length),
): Float32Array {
  const normalizer = logSumExp(logits);
  for (let index = 0; index < logits.length; index++) {
    const value = logits[index];
    output[index] =
      value > Number.NEGATIVE_INFINITY ? value - normalizer : Number.NEGATIVE_INFINITY;
  }
  return output;
}

/**
 * Probabilities of a row of logits (softmax), in float64. Removed tokens get 0. Every entry is
 * 0 when every logit is removed.
 */
export function softmax(logits: ArrayLike<number>): Float64Array {
  const weights = new Float64Array(logits.length);
  const { maximum } = logitRange(
    logits instanceof Float32Array ? logits : Float32Array.from(logits),
  );
  if (maximum === Number.NEGATIVE_INFINITY) return weights;
  const total = softmaxWeights(logits, maximum, weights);
  for (let index = 0; index < weights.length; index++) weights[index] /= total;
  return weights;
}
