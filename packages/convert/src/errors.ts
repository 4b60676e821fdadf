import { BgGpt2Error } from '@bg-gpt2/errors';

/**
 * What went wrong in a conversion, as a stable string a program can switch on.
 *
 * - `CHECKPOINT_NOT_FOUND`: no weights file (pytorch_model.bin / model.safetensors) where asked.
 * - `CHECKPOINT_INVALID`: a truncated or corrupt weights file (zip, pickle or safetensors).
 * - `PICKLE_REFUSED`: the pickle asks for something a state dict never needs (e.g. `os.system`);
 *   nothing was executed.
 * - `CONFIG_INVALID`: config.json is missing, not JSON, or lacks a required field.
 * - `CONFIG_UNSUPPORTED`: a valid GPT-2 config this converter does not handle.
 * - `WEIGHTS_MISMATCH`: a tensor missing or of the wrong shape for the config.
 */
export type ConvertErrorCode =
  | 'CHECKPOINT_NOT_FOUND'
  | 'CHECKPOINT_INVALID'
  | 'PICKLE_REFUSED'
  | 'CONFIG_INVALID'
  | 'CONFIG_UNSUPPORTED'
  | 'WEIGHTS_MISMATCH';

/** The one error type this package throws (a `BgGpt2Error`): `code` is stable, the message says what to do. */
export class ConvertError extends BgGpt2Error<ConvertErrorCode> {
  override readonly name = 'ConvertError';
}
