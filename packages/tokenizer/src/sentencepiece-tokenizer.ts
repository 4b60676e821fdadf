import { TokenizerError } from './errors.js';
import { type ModelProto, ModelType, parseModelProto } from './model-proto.js';
import { BpeModel } from './models/bpe-model.js';
import { CharacterModel } from './models/character-model.js';
import type { ScoredSegmentation, SegmentationModel } from './models/segments.js';
import { Segments } from './models/segments.js';
import { UnigramModel } from './models/unigram-model.js';
import { WordModel } from './models/word-model.js';
import { decodeUnits, Normalizer, spaceSymbol } from './normalizer/normalizer.js';
import type { TextTokenizer } from './presets/text-tokenizer.js';
import { StreamingDecoder } from './streaming-decoder.js';
import { decodeCharacter } from './utf8.js';
import { pieceToByte, Vocabulary } from './vocabulary.js';

/** One token of an encoding, with where it came from in the input. */
export interface EncodedPiece {
  id: number;
  piece: string;
  /** The input text this token covers (empty for all but the last byte of a byte-fallback run). */
  surface: string;
  /** Start of `surface` in the input string, in UTF-16 code units. */
  begin: number;
  /** End of `surface` in the input string, in UTF-16 code units. */
  end: number;
}

/** A whole segmentation with the model's score for it (sum of piece log-probabilities). */
export interface ScoredEncoding {
  ids: number[];
  pieces: string[];
  score: number;
}

/** Options of {@link SentencePieceTokenizer.sample}. */
export interface SampleOptions {
  /** Smoothing: probabilities are ∝ exp(alpha · score). Default 0.1; 0 gives the best path. */
  alpha?: number;
  /**
   * How many segmentations to sample from: < 0 (default -1) samples from the whole lattice,
   * 0 or 1 returns the best path, n > 1 samples among the n best (unigram only).
   */
  nbestSize?: number;
}

const encoder = new TextEncoder();

/**
 * A SentencePiece model: encode text to ids and pieces, decode ids back to text, exactly as
 * Google's C++ library does, in pure TypeScript (no `fs`, no WebAssembly).
 *
 * ```ts
 * const tokenizer = SentencePieceTokenizer.fromBytes(modelBytes);
 * tokenizer.encode('Здравей, свят!'); // → [ids]
 * tokenizer.decode(tokenizer.encode('Здравей, свят!')); // → 'Здравей, свят!'
 * ```
 */
export class SentencePieceTokenizer implements TextTokenizer {
  readonly proto: ModelProto;
  readonly vocabulary: Vocabulary;
  readonly #normalizer: Normalizer;
  readonly #denormalizer: Normalizer | undefined;
  readonly #model: SegmentationModel;
  readonly #segments = new Segments();

  /** Builds a tokenizer from a parsed model. Prefer {@link SentencePieceTokenizer.fromBytes}. */
  constructor(proto: ModelProto) {
    this.proto = proto;
    this.vocabulary = new Vocabulary(proto);
    const spec = proto.trainerSpec;
    this.#normalizer = new Normalizer(
      proto.normalizerSpec,
      this.vocabulary.userDefined,
      spec.treatWhitespaceAsSuffix,
    );
    this.#denormalizer =
      proto.denormalizerSpec && proto.denormalizerSpec.precompiledCharsmap.length > 0
        ? new Normalizer(
            {
              ...proto.denormalizerSpec,
              addDummyPrefix: false,
              removeExtraWhitespaces: false,
              escapeWhitespaces: false,
            },
            undefined,
          )
        : undefined;
    switch (spec.modelType) {
      case ModelType.unigram:
        this.#model = new UnigramModel(this.vocabulary);
        break;
      case ModelType.bpe:
        this.#model = new BpeModel(this.vocabulary);
        break;
      case ModelType.char:
        this.#model = new CharacterModel(this.vocabulary);
        break;
      case ModelType.word:
        this.#model = new WordModel(this.vocabulary);
        break;
      default:
        throw new TokenizerError(
          'MODEL_UNSUPPORTED',
          `The model's type ${spec.modelType} is not one of unigram, bpe, word, char; this file may come from a newer SentencePiece.`,
        );
    }
  }

  /**
   * Loads a model from the bytes of a `.model` file.
   * @throws {TokenizerError} `MODEL_INVALID` for bytes that are not a SentencePiece model.
   */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): SentencePieceTokenizer {
    return new SentencePieceTokenizer(
      parseModelProto(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)),
    );
  }

  /** Number of pieces in the vocabulary. */
  get vocabularySize(): number {
    return this.vocabulary.size;
  }
  get unknownId(): number {
    return this.vocabulary.unknownId;
  }
  /** The beginning-of-sentence id, or -1 when the model has none. */
  get bosId(): number {
    return this.#idIfPresent(this.proto.trainerSpec.bosPiece, this.proto.trainerSpec.bosId);
  }
  /** The end-of-sentence id, or -1 when the model has none. */
  get eosId(): number {
    return this.#idIfPresent(this.proto.trainerSpec.eosPiece, this.proto.trainerSpec.eosId);
  }
  /** The padding id, or -1 when the model has none. */
  get padId(): number {
    return this.#idIfPresent(this.proto.trainerSpec.padPiece, this.proto.trainerSpec.padId);
  }

  #idIfPresent(piece: string, id: number): number {
    return id >= 0 && this.vocabulary.findPiece(piece) === id ? id : -1;
  }

  /** The piece of an id. @throws {TokenizerError} `ID_OUT_OF_RANGE`. */
  idToPiece(id: number): string {
    this.#checkId(id);
    return this.vocabulary.pieces[id]!;
  }

  /** The id of a piece; the unknown id when the vocabulary lacks it (as in C++). */
  pieceToId(piece: string): number {
    return this.vocabulary.pieceToId(piece);
  }

  /** The score (log-probability for unigram) of an id. */
  score(id: number): number {
    this.#checkId(id);
    return this.vocabulary.scores[id]!;
  }

  isControl(id: number): boolean {
    return this.vocabulary.isControl(id);
  }
  isUnknown(id: number): boolean {
    return this.vocabulary.isUnknown(id);
  }
  isUnused(id: number): boolean {
    return this.vocabulary.isUnused(id);
  }
  isByte(id: number): boolean {
    return this.vocabulary.isByte(id);
  }
  isUserDefined(id: number): boolean {
    return this.vocabulary.isUserDefined(id);
  }

  #checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabulary.size) {
      throw new TokenizerError(
        'ID_OUT_OF_RANGE',
        `Token id ${id} is not in the vocabulary (0..${this.vocabulary.size - 1}); were these ids made with another model?`,
      );
    }
  }

  /** The text as the model sees it after normalization (what `spm_normalize` prints). */
  normalize(text: string): string {
    return this.#normalizer.normalize(text);
  }

  /** Token ids of `text`. */
  encode(text: string): number[] {
    const { units, length } = this.#normalizer.normalizeToUnits(text, false);
    const segments = this.#segments;
    segments.clear();
    this.#model.encode(units, length, segments);
    return this.#idsOf(segments, units);
  }

  /** Pieces of `text` (what `spm_encode --output_format=piece` prints). */
  encodeAsPieces(text: string): string[] {
    const { units, length } = this.#normalizer.normalizeToUnits(text, false);
    const segments = this.#segments;
    segments.clear();
    this.#model.encode(units, length, segments);
    return this.#piecesOf(segments, units);
  }

  /** Tokens of `text` with their surfaces and offsets in the input (UTF-16 code units). */
  encodeWithOffsets(text: string): EncodedPiece[] {
    const { units, length, alignment } = this.#normalizer.normalizeToUnits(text, true);
    const segments = new Segments();
    this.#model.encode(units, length, segments);
    return this.#populate(segments, units, alignment!, text);
  }

  /**
   * The `size` best segmentations, best first, with scores. Unigram models only.
   * @throws {TokenizerError} `MODEL_UNSUPPORTED` for bpe, char and word models.
   */
  nbest(text: string, size: number): ScoredEncoding[] {
    const model = this.#unigram('n-best');
    if (!Number.isInteger(size) || size < 1) {
      throw new TokenizerError(
        'INVALID_ARGUMENT',
        `nbest size must be a positive integer, got ${size}.`,
      );
    }
    const { units, length } = this.#normalizer.normalizeToUnits(text, false);
    return model.nbest(units, length, size).map((result) => this.#scored(result, units));
  }

  /**
   * One segmentation sampled for subword regularisation (Kudo 2018). `random` returns numbers
   * in [0, 1): pass a seeded generator for reproducible runs.
   */
  sample(
    text: string,
    options: SampleOptions = {},
    random: () => number = Math.random,
  ): ScoredEncoding {
    const alpha = options.alpha ?? 0.1;
    const nbestSize = options.nbestSize ?? -1;
    if (!Number.isFinite(alpha) || !Number.isInteger(nbestSize) || nbestSize > 512) {
      throw new TokenizerError(
        'INVALID_ARGUMENT',
        'sample needs a finite alpha and an integer nbestSize ≤ 512 (negative: the whole lattice).',
      );
    }
    const model = this.#unigram('sampling');
    const { units, length } = this.#normalizer.normalizeToUnits(text, false);
    if (nbestSize === 0 || nbestSize === 1 || alpha === 0) {
      return this.#scored(model.nbest(units, length, 1)[0]!, units);
    }
    if (nbestSize > 1) {
      const candidates = model.nbest(units, length, nbestSize);
      const logits = candidates.map((candidate) => alpha * candidate.score);
      const maximum = Math.max(...logits);
      const weights = logits.map((logit) => Math.exp(logit - maximum));
      let threshold = random() * weights.reduce((sum, weight) => sum + weight, 0);
      let chosen = candidates[candidates.length - 1]!;
      for (let index = 0; index < candidates.length; index++) {
        threshold -= weights[index]!;
        if (threshold < 0) {
          chosen = candidates[index]!;
          break;
        }
      }
      return this.#scored(chosen, units);
    }
    return this.#scored(model.sample(units, length, alpha, random), units);
  }

  #unigram(what: string): UnigramModel {
    if (!(this.#model instanceof UnigramModel)) {
      throw new TokenizerError(
        'MODEL_UNSUPPORTED',
        `${what} needs a unigram model; this one is not.`,
      );
    }
    return this.#model;
  }

  #scored(result: ScoredSegmentation, units: Uint16Array): ScoredEncoding {
    return {
      ids: this.#idsOf(result.segments, units),
      pieces: this.#piecesOf(result.segments, units),
      score: result.score,
    };
  }

  /** Ids of segments: consecutive unknowns merged, or spelled as bytes under byte fallback. */
  #idsOf(segments: Segments, units: Uint16Array): number[] {
    const vocabulary = this.vocabulary;
    const byteFallback = this.proto.trainerSpec.byteFallback;
    const unknownId = vocabulary.unknownId;
    const ids: number[] = [];
    let previousUnknown = false;
    for (let index = 0; index < segments.count; index++) {
      const id = segments.ids[index]!;
      const unknown = id === unknownId;
      if (unknown && byteFallback) {
        for (const byte of encoder.encode(
          decodeUnits(units, segments.starts[index]!, segments.ends[index]!),
        )) {
          ids.push(vocabulary.byteIds[byte]!);
        }
      } else if (!(unknown && previousUnknown)) {
        ids.push(id);
      }
      previousUnknown = unknown;
    }
    return ids;
  }

  #piecesOf(segments: Segments, units: Uint16Array): string[] {
    const vocabulary = this.vocabulary;
    const byteFallback = this.proto.trainerSpec.byteFallback;
    const unknownId = vocabulary.unknownId;
    const pieces: string[] = [];
    let previousUnknown = false;
    for (let index = 0; index < segments.count; index++) {
      const id = segments.ids[index]!;
      const unknown = id === unknownId;
      if (unknown) {
        const text = decodeUnits(units, segments.starts[index]!, segments.ends[index]!);
        if (byteFallback) {
          for (const byte of encoder.encode(text))
            pieces.push(vocabulary.pieces[vocabulary.byteIds[byte]!]!);
        } else if (previousUnknown) {
          pieces[pieces.length - 1] += text;
        } else {
          pieces.push(text);
        }
      } else {
        pieces.push(vocabulary.pieces[id]!);
      }
      previousUnknown = unknown;
    }
    return pieces;
  }

  #populate(
    segments: Segments,
    units: Uint16Array,
    alignment: Int32Array,
    text: string,
  ): EncodedPiece[] {
    const vocabulary = this.vocabulary;
    const byteFallback = this.proto.trainerSpec.byteFallback;
    const result: EncodedPiece[] = [];
    let previousUnknown = false;
    for (let index = 0; index < segments.count; index++) {
      const id = segments.ids[index]!;
      const start = segments.starts[index]!;
      const end = segments.ends[index]!;
      const unknown = vocabulary.isUnknown(id);
      if (vocabulary.isControl(id)) {
        const at = alignment[start]!;
        result.push({ id, piece: vocabulary.pieces[id]!, surface: '', begin: at, end: at });
        previousUnknown = false;
        continue;
      }
      const begin = alignment[start]!;
      const finish = alignment[end]!;
      const surface = text.slice(begin, finish);
      const piece = unknown ? decodeUnits(units, start, end) : vocabulary.pieces[id]!;
      if (unknown && byteFallback) {
        const bytes = encoder.encode(piece);
        bytes.forEach((byte, position) => {
          const last = position === bytes.length - 1;
          const byteId = vocabulary.byteIds[byte]!;
          result.push({
            id: byteId,
            piece: vocabulary.pieces[byteId]!,
            surface: last ? surface : '',
            begin,
            end: last ? finish : begin,
          });
        });
      } else if (unknown && previousUnknown) {
        const merged = result[result.length - 1]!;
        merged.piece += piece;
        merged.surface += surface;
        merged.end = finish;
      } else {
        result.push({ id, piece, surface, begin, end: finish });
      }
      previousUnknown = unknown;
    }
    return result;
  }

  /** Text of token ids: byte pieces reassembled into UTF-8, control pieces dropped. */
  decode(ids: readonly number[]): string {
    for (const id of ids) this.#checkId(id);
    return this.#decodePieceList(
      ids.map((id) => this.vocabulary.pieces[id]!),
      ids,
    );
  }

  /** Text of pieces (what `spm_decode --input_format=piece` prints). */
  decodePieces(pieces: readonly string[]): string {
    return this.#decodePieceList(
      pieces,
      pieces.map((piece) => this.vocabulary.pieceToId(piece)),
    );
  }

  /**
   * The text one non-byte piece decodes to: control pieces to nothing, the unknown piece to the
   * model's unknown surface (" ⁇ "), `▁` to spaces, and the leading `▁` of the text dropped
   * (`expectLeadingSpace`). The second value tells whether a dropped `▁` was the one dummy
   * prefix (models that keep extra whitespace drop only one).
   */
  pieceSurface(
    piece: string,
    id: number,
    expectLeadingSpace: boolean,
  ): [text: string, droppedPrefix: boolean] {
    const vocabulary = this.vocabulary;
    if (vocabulary.isControl(id)) return ['', false];
    if (vocabulary.isUnknown(id)) {
      return [vocabulary.pieces[id] === piece ? this.proto.trainerSpec.unkSurface : piece, false];
    }
    let text = piece;
    let droppedPrefix = false;
    const spec = this.proto.normalizerSpec;
    if (
      expectLeadingSpace &&
      (spec.addDummyPrefix || spec.removeExtraWhitespaces) &&
      text.startsWith(spaceSymbol)
    ) {
      text = text.slice(1);
      droppedPrefix = !spec.removeExtraWhitespaces;
    }
    return [text.replaceAll(spaceSymbol, ' '), droppedPrefix];
  }

  /** The surfaces of pieces, one per piece, exactly as the C++ decoder assigns them. */
  decodeSurfaces(pieces: readonly string[], ids: readonly number[]): string[] {
    const vocabulary = this.vocabulary;
    const surfaces = new Array<string>(pieces.length).fill('');
    let textLength = 0;
    let expectLeadingSpace = true;
    let droppedPrefix = false;
    let byteStart = 0;
    const flushBytes = (end: number) => {
      if (byteStart >= end) return;
      const bytes = Uint8Array.from(pieces.slice(byteStart, end), (piece) => pieceToByte(piece));
      // Each character goes to the byte piece that completes it; a malformed byte is U+FFFD.
      for (let offset = 0; offset < bytes.length; ) {
        const [codePoint, length] = decodeCharacter(bytes, offset, bytes.length);
        const text = String.fromCodePoint(codePoint);
        surfaces[byteStart + offset + length - 1] = text;
        textLength += text.length;
        offset += length;
      }
    };
    for (let index = 0; index < pieces.length; index++) {
      if (vocabulary.isByte(ids[index]!)) continue;
      flushBytes(index);
      byteStart = index + 1;
      if (droppedPrefix || textLength > 0) expectLeadingSpace = false;
      const [surface, dropped] = this.pieceSurface(pieces[index]!, ids[index]!, expectLeadingSpace);
      droppedPrefix = dropped;
      surfaces[index] = surface;
      textLength += surface.length;
    }
    flushBytes(pieces.length);
    return surfaces;
  }

  #decodePieceList(pieces: readonly string[], ids: readonly number[]): string {
    const text = this.decodeSurfaces(pieces, ids).join('');
    return this.#denormalizer ? this.#denormalizer.normalize(text) : text;
  }

  /**
   * A decoder for ids that arrive one at a time (generation): `push(id)` returns only the text
   * that is final — never half a character, never a U+FFFD for bytes still in flight.
   */
  createStreamingDecoder(): StreamingDecoder {
    return new StreamingDecoder(this);
  }
}
