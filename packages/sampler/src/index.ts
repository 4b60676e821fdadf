export { BgGpt2Error, isBgGpt2Error } from '@bg-gpt2/errors';
export { SamplerError, type SamplerErrorCode } from './errors.js';
export { generate, generateStream } from './generation/generate.js';
export type {
  FinishReason,
  GeneratedSequence,
  GenerateOptions,
  GenerationResult,
} from './generation/generate-options.js';
export type { StepModel } from './generation/step-model.js';
export { createGenerationContext, type GenerationContext } from './generation-context.js';
export {
  fromHuggingFaceOptions,
  type HuggingFaceGenerationOptions,
} from './hugging-face-options.js';
export type { LogitsProcessor } from './logits-processor.js';
export { logSoftmax, logSumExp, softmax } from './math/softmax.js';
export { topEntries } from './math/top-entries.js';
export { ProcessorChain } from './processor-chain.js';
export { type BadWordsOptions, BadWordsProcessor } from './processors/bad-words.js';
export { EpsilonProcessor } from './processors/epsilon.js';
export { EtaProcessor } from './processors/eta.js';
export type { FilterOptions } from './processors/filter-options.js';
export { type ForcedEosOptions, ForcedEosProcessor } from './processors/forced-eos.js';
export { FrequencyPenaltyProcessor } from './processors/frequency-penalty.js';
export { LogSoftmaxProcessor } from './processors/log-softmax.js';
export { type LogitBiasMap, LogitBiasProcessor } from './processors/logit-bias.js';
export { type MinLengthOptions, MinLengthProcessor } from './processors/min-length.js';
export { type MinNewTokensOptions, MinNewTokensProcessor } from './processors/min-new-tokens.js';
export { MinPProcessor } from './processors/min-p.js';
export { NoRepeatNGramProcessor } from './processors/no-repeat-n-gram.js';
export { PresencePenaltyProcessor } from './processors/presence-penalty.js';
export {
  type RepetitionPenaltyOptions,
  RepetitionPenaltyProcessor,
} from './processors/repetition-penalty.js';
export { type SequenceBias, SequenceBiasProcessor } from './processors/sequence-bias.js';
export {
  type SuppressTokensOptions,
  SuppressTokensProcessor,
} from './processors/suppress-tokens.js';
export { TemperatureProcessor } from './processors/temperature.js';
export type { CountPenaltyOptions } from './processors/token-counts.js';
export { TopKProcessor } from './processors/top-k.js';
export { TopPProcessor } from './processors/top-p.js';
export { TypicalPProcessor } from './processors/typical-p.js';
export { createRandom, type Random, SeededRandom } from './random.js';
export { argmax } from './selection/greedy.js';
export { sampleToken } from './selection/multinomial.js';
export { type StepLogprobs, type TokenLogprob, tokenLogprobs } from './selection/token-logprobs.js';
