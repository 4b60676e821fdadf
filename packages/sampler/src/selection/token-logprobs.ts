import { BoundarySearch } from '../math/boundary-search.js';
import { logSumExp } from '../math/softmax.js';
import { topEntriesWith } from '../math/top-entries.js';

/** A token and its log-probability. */
export interface TokenLogprob {
  token: number;
  logprob: number;
}

/** The log-probabilities of one step: the chosen token and the most likely alternatives. */
export interface StepLogprobs {
  /** The chosen token. */
  token: number;
  /** Its log-probability under the processed distribution (natural log). */
  logprob: number;
  /** The most likely tokens of that distribution, most likely first (the chosen one included if among them). */
  top: TokenLogprob[];
}

/**
 * The log-softmax of the processed `logits` at `token`, and the `topCount` most likely tokens
 * with theirs (ties by lower id). Removed tokens have log-probability `-Infinity` and are never
 * listed.
 */
export function tokenLogprobs(logits: Float32Array, token: number, topCount = 0): StepLogprobs {
  return tokenLogprobsWith(logits, token, topCount, new BoundarySearch());
}

/** {@link tokenLogprobs} with reusable scratch space. */
export function tokenLogprobsWith(
  logits: Float32Array,
  token: number,
  topCount: number,
  search: BoundarySearch,
): StepLogprobs {
  const normalizer = logSumExp(logits);
  const logprobOf = (id: number): number =>
    logits[id] > Number.NEGATIVE_INFINITY ? logits[id] - normalizer : Number.NEGATIVE_INFINITY;
  return {
    token,
    logprob: logprobOf(token),
    top: topEntriesWith(logits, topCount, search).map((id) => ({
      token: id,
      logprob: logprobOf(id),
    })),
  };
}
