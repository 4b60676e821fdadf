import type { Random } from '../random.js';
import { allTokensRemoved } from './greedy.js';
import type { NucleusKernels } from './nucleus-kernels.js';

/** Draws before giving up on a row (each is kept with probability ≥ p ≥ 1/2). */
const attempts = 8;
/**
 * How far from the nucleus's boundary, as a fraction of the total weight, a token must lie for
 * the float32 weights to decide whether it is in: their error is below 1e-6 of the total.
 */
export const decidableMargin = 1e-5;

/**
 * Top-p filtering and the multinomial draw by rejection, for `topP` ≥ 1/2: draw a token from the
 * whole softmax, keep it when it lies in the nucleus, else draw again. A kept draw is distributed
 * exactly as `process` then `sampleToken` (the nucleus, renormalized), with no selection of the
 * boundary at all: the passes are the largest logit, the weights (`exp` in WebAssembly SIMD, with
 * the sums of every 64), a walk to the drawn token, and the weight ranked above it — about 90 µs
 * for 50 257 logits here, a quarter of the histogram method ({@link sampleNucleus}).
 *
 * A token is in the nucleus when the weight ranked above it (larger logits; ties: lower ids) is
 * below `total − (1 − p) · total`, as Hugging Face's cumulative walk decides. The float32 weights
 * decide unless the token lies within 1e-5 of the total from that boundary; then `inNucleus`
 * (the processor's exact filter) does.
 *
 * @returns the id, or `-1` when the row is left to the caller: `+Infinity` in the row, a row too
 *   large for the module's memory, or eight draws outside the nucleus in a row (at most 1 in 256
 *   rows when p ≥ 1/2).
 * @throws SamplerError `ALL_TOKENS_REMOVED` when every logit is `-Infinity` or `NaN`.
 */
export function sampleNucleusByRejection(
  logits: Float32Array,
  topP: number,
  random: Random,
  kernels: NucleusKernels,
  inNucleus: (id: number) => boolean,
): number {
  const highest = kernels.load(logits);
  if (highest === undefined) return -1;
  if (!(highest > Number.NEGATIVE_INFINITY)) throw allTokensRemoved();
  if (!(highest < Number.POSITIVE_INFINITY)) return -1;
  const total = kernels.exponentials(highest);
  const target = total - (1 - topP) * total;
  const margin = decidableMargin * total;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const id = kernels.draw(random.next() * total);
    if (keptByWeights(kernels, id, target, margin, inNucleus)) return id;
  }
  return -1;
}

/**
 * Whether token `id` of the row loaded in `kernels` is in the nucleus: the weight ranked above it
 * is below `target` — by more than `margin`, or, when closer than that, as `inNucleus` decides.
 */
export function keptByWeights(
  kernels: NucleusKernels,
  id: number,
  target: number,
  margin: number,
  inNucleus: (id: number) => boolean,
): boolean {
  const above = kernels.massAbove(id);
  if (above === 0 || above < target - margin) return true;
  if (above > target + margin) return false;
  return inNucleus(id);
}
