import { BgGpt2Error } from '@bg-gpt2/errors';

/**
 * What went wrong at run time, as a stable string a program can switch on.
 *
 * - `NO_BACKEND`: no ONNX Runtime backend is registered/installed for this environment.
 * - `MODEL_NOT_FOUND`: a model folder, URL or hub repository without the needed files.
 * - `MODEL_INVALID`: a model file ONNX Runtime cannot load, or without the GPT-2 decoder inputs and
 *   outputs this package drives (`input_ids`, `past_key_values.N.key`, `logits`, `present.N.key`, …).
 * - `DOWNLOAD_FAILED`: the network failed (unreachable, HTTP error, truncated body).
 * - `INTEGRITY_FAILED`: a downloaded file whose size or sha256 is not what the server says.
 * - `OFFLINE_MISS`: offline mode and the file is not in the cache.
 * - `CONVERSION_UNAVAILABLE`: only a PyTorch/safetensors checkpoint was found and it cannot be
 *   converted here (no `@bg-gpt2/convert`, or a browser).
 * - `CONTEXT_OVERFLOW`: more tokens than the model's n_positions.
 * - `INVALID_ARGUMENT`: an option or input outside its documented range.
 * - `DISPOSED`: a model or session used after `dispose()`.
 */
export type RuntimeErrorCode =
  | 'NO_BACKEND'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'DOWNLOAD_FAILED'
  | 'INTEGRITY_FAILED'
  | 'OFFLINE_MISS'
  | 'CONVERSION_UNAVAILABLE'
  | 'CONTEXT_OVERFLOW'
  | 'INVALID_ARGUMENT'
  | 'DISPOSED';

/**
 * The one error type this package throws (a `BgGpt2Error`); `code` is stable, the message says what
 * to do.
 */
export class RuntimeError extends BgGpt2Error<RuntimeErrorCode> {
  override readonly name = 'RuntimeError';
}
