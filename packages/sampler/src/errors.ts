import { BgGpt2Error } from '@bg-gpt2/errors';

/**
 * What went wrong, as a stable string a program can switch on.
 *
 * - `INVALID_ARGUMENT`: an option outside its documented range, or a combination this package
 *   does not support (the message names the option and the valid values).
 * - `ABORTED`: the `AbortSignal` passed to `generate` / `generateStream` fired; generation stopped
 *   between two model calls. `cause` is the signal's `reason`.
 * - `ALL_TOKENS_REMOVED`: every logit of a row is `-Infinity` (or `NaN`) after the processors, so
 *   no token can be chosen — the filters contradict each other (e.g. bad words covering the
 *   whole vocabulary).
 * - `MODEL_OUTPUT_INVALID`: the step model returned logits of the wrong length (not
 *   rows × `vocabularySize`).
 */
export type SamplerErrorCode =
  | 'INVALID_ARGUMENT'
  | 'ABORTED'
  | 'ALL_TOKENS_REMOVED'
  | 'MODEL_OUTPUT_INVALID';

/**
 * The one error type this package throws (a `BgGpt2Error`). Its message says what went wrong and
 * what to do; `code` is stable across versions.
 */
export class SamplerError extends BgGpt2Error<SamplerErrorCode> {
  override readonly name = 'SamplerError';
}
