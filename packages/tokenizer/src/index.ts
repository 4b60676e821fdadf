export { BgGpt2Error, isBgGpt2Error } from '@bg-gpt2/errors';
export { TokenizerError, type TokenizerErrorCode } from './errors.js';
export {
  type ModelPiece,
  type ModelProto,
  ModelType,
  type NormalizerSpec,
  PieceType,
  parseModelProto,
  type TrainerSpec,
} from './model-proto.js';
export {
  type AlbertOptions,
  AlbertTokenizer,
  albertDefaults,
  albertOptionsFromConfig,
  preprocessAlbert,
} from './presets/albert-tokenizer.js';
export {
  BgGpt2TextTokenizer,
  bgGpt2Symbols,
  endOfTextReplacement,
  fromModelText,
  toModelText,
} from './presets/bg-gpt2-text.js';
export { type BgGpt2TokenizerFiles, createBgGpt2Tokenizer } from './presets/bg-gpt2-tokenizer.js';
export { loadTokenizerJson } from './presets/hugging-face-tokenizer-json.js';
export type { TextStreamingDecoder, TextTokenizer } from './presets/text-tokenizer.js';
export {
  type EncodedPiece,
  type SampleOptions,
  type ScoredEncoding,
  SentencePieceTokenizer,
} from './sentencepiece-tokenizer.js';
export { StreamingDecoder } from './streaming-decoder.js';
