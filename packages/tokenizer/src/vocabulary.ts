import { DoubleArrayTrie } from './double-array-trie.js';
import { TokenizerError } from './errors.js';
import { type ModelProto, PieceType } from './model-proto.js';

const float32Max = 3.4028234663852886e38;
/** FLT_MIN, the C++ library's (odd) starting value for the largest score. */
const float32MinNormal = 1.1754943508222875e-38;

function invalid(message: string): never {
  throw new TokenizerError('MODEL_INVALID', `Not a valid SentencePiece model: ${message}.`);
}

/** The byte a `<0xNN>` piece stands for, or -1. */
export function pieceToByte(piece: string): number {
  if (piece.length !== 6 || !piece.startsWith('<0x') || piece[5] !== '>') return -1;
  const value = Number.parseInt(piece.slice(3, 5), 16);
  return Number.isNaN(value) ? -1 : value;
}

/**
 * The vocabulary of a model, with the look-ups every algorithm shares: id ↔ piece (with the
 * C++ library's rules: control and unknown pieces are "reserved"), scores, types, the byte
 * pieces, and a trie of the pieces the segmenters may produce.
 */
export class Vocabulary {
  readonly pieces: readonly string[];
  readonly scores: Float32Array;
  readonly types: Uint8Array;
  /** UTF-8 length of each piece (the C++ library scores user-defined symbols by it). */
  readonly byteLengths: Int32Array;
  /** Code point count of each piece. */
  readonly characterLengths: Int32Array;
  /** NORMAL, USER_DEFINED and UNUSED pieces: what a segmenter can match in text. */
  readonly matchable: DoubleArrayTrie;
  /** The user-defined symbols, matched verbatim before normalization, or undefined. */
  readonly userDefined: DoubleArrayTrie | undefined;
  /** Id of each byte 0..255 when the model has byte pieces, else -1. */
  readonly byteIds: Int32Array;
  readonly unknownId: number;
  readonly minScore: number;
  readonly maxScore: number;
  readonly #matchableIds = new Map<string, number>();
  readonly #reservedIds = new Map<string, number>();

  constructor(proto: ModelProto) {
    const count = proto.pieces.length;
    this.pieces = proto.pieces.map((piece) => piece.piece);
    this.scores = new Float32Array(count);
    this.types = new Uint8Array(count);
    this.byteLengths = new Int32Array(count);
    this.characterLengths = new Int32Array(count);
    this.byteIds = new Int32Array(256).fill(-1);
    let unknownId = -1;
    let minScore = float32Max;
    let maxScore = float32MinNormal;
    const userDefined: [string, number][] = [];
    for (let id = 0; id < count; id++) {
      const { piece, score, type } = proto.pieces[id]!;
      if (piece.length === 0) invalid(`piece ${id} is empty`);
      if (type < PieceType.normal || type > PieceType.byte)
        invalid(`piece ${id} has unknown type ${type}`);
      this.scores[id] = score;
      this.types[id] = type;
      let bytes = 0;
      let characters = 0;
      for (let index = 0; index < piece.length; index++) {
        const unit = piece.charCodeAt(index);
        characters++;
        if (unit < 0x80) bytes += 1;
        else if (unit < 0x800) bytes += 2;
        else if (
          unit >= 0xd800 &&
          unit <= 0xdbff &&
          (piece.charCodeAt(index + 1) & 0xfc00) === 0xdc00
        ) {
          bytes += 4;
          index++;
        } else bytes += 3;
      }
      this.byteLengths[id] = bytes;
      this.characterLengths[id] = characters;
      const matchable =
        type === PieceType.normal || type === PieceType.userDefined || type === PieceType.unused;
      const map = matchable ? this.#matchableIds : this.#reservedIds;
      if (map.has(piece)) invalid(`"${piece}" is already defined`);
      map.set(piece, id);
      if (type === PieceType.userDefined) userDefined.push([piece, id]);
      if (type === PieceType.unknown) {
        if (unknownId >= 0) invalid('the unknown piece is defined twice');
        unknownId = id;
      }
      if (type === PieceType.byte) {
        if (!proto.trainerSpec.byteFallback)
          invalid(`byte piece ${piece} is found although byte_fallback is false`);
        const byte = pieceToByte(piece);
        if (byte < 0) invalid(`${piece} is not a byte piece`);
        this.byteIds[byte] = id;
      }
      if (type === PieceType.normal) {
        minScore = Math.min(minScore, score);
        maxScore = Math.max(maxScore, score);
      }
    }
    if (unknownId < 0) invalid('it has no unknown piece');
    if (proto.trainerSpec.byteFallback && this.byteIds.includes(-1)) {
      invalid('byte_fallback is on but some of the 256 byte pieces are missing');
    }
    this.unknownId = unknownId;
    this.minScore = minScore;
    this.maxScore = maxScore;
    this.matchable = new DoubleArrayTrie(this.#matchableIds);
    this.userDefined = userDefined.length > 0 ? new DoubleArrayTrie(userDefined) : undefined;
  }

  get size(): number {
    return this.pieces.length;
  }

  /** The id of a piece, or the unknown id — the C++ library's `PieceToId`. */
  pieceToId(piece: string): number {
    return this.#reservedIds.get(piece) ?? this.#matchableIds.get(piece) ?? this.unknownId;
  }

  /** The id of a piece, or undefined when it is not in the vocabulary. */
  findPiece(piece: string): number | undefined {
    return this.#reservedIds.get(piece) ?? this.#matchableIds.get(piece);
  }

  /** The id of a matchable (NORMAL, USER_DEFINED, UNUSED) piece, or -1. */
  matchableId(piece: string): number {
    return this.#matchableIds.get(piece) ?? -1;
  }

  isControl(id: number): boolean {
    return this.types[id] === PieceType.control;
  }
  isUnknown(id: number): boolean {
    return this.types[id] === PieceType.unknown;
  }
  isUnused(id: number): boolean {
    return this.types[id] === PieceType.unused;
  }
  isUserDefined(id: number): boolean {
    return this.types[id] === PieceType.userDefined;
  }
  isByte(id: number): boolean {
    return this.types[id] === PieceType.byte;
  }
}
