import { BgGpt2Error } from '@bg-gpt2/errors';

/**
 * What went wrong, as a stable string a program can switch on.
 *
 * - `MODEL_INVALID`: the bytes are not a SentencePiece model (truncated, corrupt, or another format).
 * - `MODEL_UNSUPPORTED`: a valid model that uses something this library does not implement.
 * - `MODEL_NOT_FOUND`: a model file that does not exist or cannot be read.
 * - `TOKENIZER_JSON_INVALID`: a Hugging Face `tokenizer.json` this library cannot read.
 * - `ID_OUT_OF_RANGE`: a token id that is not in the vocabulary.
 * - `INVALID_ARGUMENT`: an option outside its documented range.
 */
export type TokenizerErrorCode =
  | 'MODEL_INVALID'
  | 'MODEL_UNSUPPORTED'
  | 'MODEL_NOT_FOUND'
  | 'TOKENIZER_JSON_INVALID'
  | 'ID_OUT_OF_RANGE'
  | 'INVALID_ARGUMENT';

/**
 * The one error type this package throws (a `BgGpt2Error`). Its message says what went wrong and
 * what to do; `code` is stable across versions.
 */
export class TokenizerError extends BgGpt2Error<TokenizerErrorCode> {
  override readonly name = 'TokenizerError';
}
