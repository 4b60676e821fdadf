import { SamplerError } from '../errors.js';

/**
 * The id of the largest logit — greedy decoding. Ties go to the lowest id (as `torch.argmax`);
 * `-Infinity` and `NaN` never win.
 *
 * @throws SamplerError `ALL_TOKENS_REMOVED` when every logit is `-Infinity` or `NaN`.
 */
export function argmax(logits: ArrayLike<number>): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < logits.length; index++) {
    if (logits[index] > bestValue) {
      bestValue = logits[index];
      best = index;
    }
  }
  if (best < 0) throw allTokensRemoved();
  return best;
}

/** The error for a row where no token is left. */
export function allTokensRemoved(): SamplerError {
  return new SamplerError(
    'ALL_TOKENS_REMOVED',
    'Every token was removed: all logits are -Infinity (or NaN) after the processors. ' +
      'Loosen the filters (bad words, suppressed tokens, biases of -Infinity) so that at least one token remains.',
  );
}
