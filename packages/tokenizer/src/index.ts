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
  type EncodedPiece,
  type SampleOptions,
  type ScoredEncoding,
  SentencePieceTokenizer,
} from './sentencepiece-tokenizer.js';
export { StreamingDecoder } from './streaming-decoder.js';
