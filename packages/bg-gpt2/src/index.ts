export { BgGpt2Error, isBgGpt2Error } from '@bg-gpt2/errors';
export {
  BgGpt2,
  type BgGpt2LoadOptions,
  type BgGpt2Options,
  type DefaultModelResolver,
  type FinishReason,
  type GeneratedText,
  type GenerationOutput,
  type ModelLoader,
  setDefaultModelResolver,
  setModelLoader,
  type Token,
} from './bg-gpt2.js';
export type { Completion, CompletionOptions } from './completion.js';
export { ContinuationDecoder } from './continuation-decoder.js';
export { LanguageModelError, type LanguageModelErrorCode } from './errors.js';
export { FirstTokenFilter } from './first-token-filter.js';
export { type GenerationOptions, resolveGenerationOptions } from './generation-options.js';
export { PrefixConstraint } from './prefix-constraint.js';
export type { ScoredToken, TextScore } from './scoring.js';
export { matchCase } from './spelling/case-pattern.js';
export { editDistance } from './spelling/edit-distance.js';
export type {
  SpellingCorrection,
  SpellingOptions,
  SpellingSuggestion,
} from './spelling/spell.js';
export { type SpellingCandidate, SpellingIndex } from './spelling/spelling-index.js';
export { cutAtStopString, StopStringFilter } from './stop-string-filter.js';
export { type ContinuationStart, planContinuationStart } from './token-healing.js';
export { UnknownRowsFilter } from './unknown-rows-filter.js';
export { Vocabulary, wordStart } from './vocabulary.js';
export { cutToWords, isWordCharacter } from './word-boundary.js';
