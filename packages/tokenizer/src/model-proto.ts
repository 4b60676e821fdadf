import { TokenizerError } from './errors.js';
import { ProtobufReader, WireType } from './protobuf/protobuf-reader.js';

/** The type of a vocabulary entry, as in `sentencepiece_model.proto`. */
export const PieceType = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;
export type PieceType = (typeof PieceType)[keyof typeof PieceType];

/** The segmentation algorithm a model was trained with. */
export const ModelType = { unigram: 1, bpe: 2, word: 3, char: 4 } as const;
export type ModelType = (typeof ModelType)[keyof typeof ModelType];

export interface ModelPiece {
  piece: string;
  score: number;
  type: PieceType;
}

/** The trainer settings that matter at encode/decode time (the rest are kept as read). */
export interface TrainerSpec {
  modelType: ModelType;
  vocabSize: number;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  allowWhitespaceOnlyPieces: boolean;
  splitByWhitespace: boolean;
  splitDigits: boolean;
  splitByNumber: boolean;
  splitByUnicodeScript: boolean;
  maxSentencepieceLength: number;
  userDefinedSymbols: string[];
  controlSymbols: string[];
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
  /** What `decode` prints for an unknown id (C++ default: " ⁇ "). */
  unkSurface: string;
  characterCoverage: number;
}

export interface NormalizerSpec {
  name: string;
  /** Darts double-array trie + replacement strings, as compiled by spm_train. Empty for `identity`. */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** A parsed SentencePiece `ModelProto`. */
export interface ModelProto {
  pieces: ModelPiece[];
  trainerSpec: TrainerSpec;
  normalizerSpec: NormalizerSpec;
  /** Rules applied to decoded text, when the model has any. */
  denormalizerSpec: NormalizerSpec | undefined;
}

/** The trainer settings of a model that sets none (the proto defaults). */
export function defaultTrainerSpec(): TrainerSpec {
  return {
    modelType: ModelType.unigram,
    vocabSize: 8000,
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    allowWhitespaceOnlyPieces: false,
    splitByWhitespace: true,
    splitDigits: false,
    splitByNumber: true,
    splitByUnicodeScript: true,
    maxSentencepieceLength: 16,
    userDefinedSymbols: [],
    controlSymbols: [],
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: '<unk>',
    bosPiece: '<s>',
    eosPiece: '</s>',
    padPiece: '<pad>',
    unkSurface: ' \u2047 ',
    characterCoverage: 0.9995,
  };
}

function defaultNormalizerSpec(): NormalizerSpec {
  return {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
}

function readPiece(reader: ProtobufReader): ModelPiece {
  const piece: ModelPiece = { piece: '', score: 0, type: PieceType.normal };
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (field === 1) {
      reader.expect(wire, WireType.lengthDelimited, 'piece');
      piece.piece = reader.string();
    } else if (field === 2) {
      reader.expect(wire, WireType.fixed32, 'score');
      piece.score = reader.float();
    } else if (field === 3) {
      reader.expect(wire, WireType.varint, 'type');
      piece.type = reader.int32() as PieceType;
    } else reader.skip(wire);
  }
  return piece;
}

function readTrainerSpec(reader: ProtobufReader): TrainerSpec {
  const spec = defaultTrainerSpec();
  while (!reader.done) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 3:
        spec.modelType = reader.int32() as ModelType;
        break;
      case 4:
        spec.vocabSize = reader.int32();
        break;
      case 10:
        reader.expect(wire, WireType.fixed32, 'character_coverage');
        spec.characterCoverage = reader.float();
        break;
      case 20:
        spec.maxSentencepieceLength = reader.int32();
        break;
      case 21:
        spec.splitByUnicodeScript = reader.bool();
        break;
      case 22:
        spec.splitByWhitespace = reader.bool();
        break;
      case 23:
        spec.splitByNumber = reader.bool();
        break;
      case 24:
        spec.treatWhitespaceAsSuffix = reader.bool();
        break;
      case 25:
        spec.splitDigits = reader.bool();
        break;
      case 26:
        spec.allowWhitespaceOnlyPieces = reader.bool();
        break;
      case 30:
        spec.controlSymbols.push(reader.string());
        break;
      case 31:
        spec.userDefinedSymbols.push(reader.string());
        break;
      case 35:
        spec.byteFallback = reader.bool();
        break;
      case 40:
        spec.unkId = reader.int32();
        break;
      case 41:
        spec.bosId = reader.int32();
        break;
      case 42:
        spec.eosId = reader.int32();
        break;
      case 43:
        spec.padId = reader.int32();
        break;
      case 44:
        spec.unkSurface = reader.string();
        break;
      case 45:
        spec.unkPiece = reader.string();
        break;
      case 46:
        spec.bosPiece = reader.string();
        break;
      case 47:
        spec.eosPiece = reader.string();
        break;
      case 48:
        spec.padPiece = reader.string();
        break;
      default:
        reader.skip(wire);
    }
  }
  return spec;
}

function readNormalizerSpec(reader: ProtobufReader): NormalizerSpec {
  const spec = defaultNormalizerSpec();
  while (!reader.done) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 1:
        reader.expect(wire, WireType.lengthDelimited, 'normalizer name');
        spec.name = reader.string();
        break;
      case 2:
        reader.expect(wire, WireType.lengthDelimited, 'precompiled_charsmap');
        spec.precompiledCharsmap = reader.bytesField().slice();
        break;
      case 3:
        spec.addDummyPrefix = reader.bool();
        break;
      case 4:
        spec.removeExtraWhitespaces = reader.bool();
        break;
      case 5:
        spec.escapeWhitespaces = reader.bool();
        break;
      default:
        reader.skip(wire);
    }
  }
  return spec;
}

function subReader(reader: ProtobufReader, wire: number, name: string): ProtobufReader {
  reader.expect(wire, WireType.lengthDelimited, name);
  const { start, end } = reader.lengthDelimited();
  return new ProtobufReader(reader.bytes, start, end);
}

/**
 * Parses the bytes of a SentencePiece `.model` file.
 *
 * @throws {TokenizerError} `MODEL_INVALID` when the bytes are not a well-formed model.
 */
export function parseModelProto(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new TokenizerError(
      'INVALID_ARGUMENT',
      'parseModelProto expects the model file as a Uint8Array.',
    );
  }
  const reader = new ProtobufReader(bytes);
  const pieces: ModelPiece[] = [];
  let trainerSpec = defaultTrainerSpec();
  let normalizerSpec = defaultNormalizerSpec();
  let denormalizerSpec: NormalizerSpec | undefined;
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (field === 1) pieces.push(readPiece(subReader(reader, wire, 'pieces')));
    else if (field === 2) trainerSpec = readTrainerSpec(subReader(reader, wire, 'trainer_spec'));
    else if (field === 3)
      normalizerSpec = readNormalizerSpec(subReader(reader, wire, 'normalizer_spec'));
    else if (field === 5)
      denormalizerSpec = readNormalizerSpec(subReader(reader, wire, 'denormalizer_spec'));
    else reader.skip(wire);
  }
  if (pieces.length === 0) {
    throw new TokenizerError(
      'MODEL_INVALID',
      'Not a valid SentencePiece model: it has no vocabulary. Check that the file is a .model file (not a .vocab or tokenizer.json) and download it again.',
    );
  }
  return { pieces, trainerSpec, normalizerSpec, denormalizerSpec };
}
