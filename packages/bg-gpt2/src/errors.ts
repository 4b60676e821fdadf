import { BgGpt2Error } from '@bg-gpt2/errors';

/** What went wrong in the `bg-gpt2` facade. */
export type LanguageModelErrorCode =
  /** An option or argument is out of range or unknown. */
  | 'INVALID_ARGUMENT'
  /** The model folder lacks a tokenizer the facade can use. */
  | 'TOKENIZER_MISSING'
  /** The tokenizer and the model disagree (e.g. more pieces than the model has rows). */
  | 'MODEL_MISMATCH'
  /** The work was cancelled through an `AbortSignal`. */
  | 'ABORTED'
  /** Called after `dispose()`. */
  | 'DISPOSED';

/** An error of the `bg-gpt2` facade; errors of the tokenizer, runtime and sampler pass through. */
export class LanguageModelError extends BgGpt2Error<LanguageModelErrorCode> {
  constructor(code: LanguageModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'LanguageModelError';
  }
}
