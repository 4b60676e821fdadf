import { TokenizerError } from '../errors.js';
import {
  defaultTrainerSpec,
  type ModelPiece,
  type ModelProto,
  ModelType,
  type NormalizerSpec,
  PieceType,
  type TrainerSpec,
} from '../model-proto.js';
import { SentencePieceTokenizer } from '../sentencepiece-tokenizer.js';
import { pieceToByte } from '../vocabulary.js';

interface JsonObject {
  [key: string]: unknown;
}

function invalid(message: string): never {
  throw new TokenizerError(
    'TOKENIZER_JSON_INVALID',
    `This tokenizer.json cannot be loaded: ${message}. Use the model's spiece.model instead if it has one.`,
  );
}

function object(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${what} is not an object`);
  return value as JsonObject;
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Every normalizer of a (possibly nested) `Sequence`. */
function flatten(normalizer: unknown): JsonObject[] {
  if (normalizer === null || normalizer === undefined) return [];
  const node = object(normalizer, 'normalizer');
  if (node.type === 'Sequence') return (node.normalizers as unknown[]).flatMap(flatten);
  return [node];
}

/**
 * Reads a Hugging Face `tokenizer.json` of the SentencePiece kind — a Unigram model, a
 * `Precompiled` normalizer (the charsmap of the .model), a `Metaspace` pre-tokenizer — into
 * the same tokenizer the `.model` gives. Added tokens become user-defined symbols (special:
 * false) or control symbols (special: true).
 *
 * It reproduces SentencePiece, which the model was trained with; HF's own pipeline differs on a
 * few inputs (a trailing `▁` for trailing spaces, spaces around added tokens).
 *
 * @throws {TokenizerError} `TOKENIZER_JSON_INVALID` for other tokenizer kinds (BPE, WordPiece, …).
 */
export function loadTokenizerJson(json: string | JsonObject): SentencePieceTokenizer {
  let root: JsonObject;
  try {
    root = object(typeof json === 'string' ? JSON.parse(json) : json, 'the file');
  } catch (error) {
    if (error instanceof TokenizerError) throw error;
    invalid(`it is not JSON (${(error as Error).message})`);
  }
  const model = object(root.model, 'model');
  if (model.type !== 'Unigram')
    invalid(`its model is ${String(model.type)}, only Unigram is supported`);
  if (!Array.isArray(model.vocab) || model.vocab.length === 0) invalid('model.vocab is missing');
  const unknownId = typeof model.unk_id === 'number' ? model.unk_id : -1;
  const byteFallback = model.byte_fallback === true;

  const added = new Map<number, JsonObject>();
  for (const token of (root.added_tokens as unknown[] | undefined) ?? []) {
    const entry = object(token, 'added token');
    if (typeof entry.id === 'number') added.set(entry.id, entry);
  }

  const userDefinedSymbols: string[] = [];
  const pieces: ModelPiece[] = (model.vocab as unknown[]).map((entry, id) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
      invalid(`vocab entry ${id} is not [piece, score]`);
    }
    const [piece, score] = entry as [string, number];
    let type: PieceType = PieceType.normal;
    const token = added.get(id);
    if (id === unknownId) type = PieceType.unknown;
    else if (token && token.content === piece) {
      type = token.special === true ? PieceType.control : PieceType.userDefined;
      if (type === PieceType.userDefined) userDefinedSymbols.push(piece);
    } else if (byteFallback && pieceToByte(piece) >= 0) type = PieceType.byte;
    return { piece, score, type };
  });
  if (unknownId < 0 || unknownId >= pieces.length)
    invalid('model.unk_id is missing or out of range');

  const normalizers = flatten(root.normalizer);
  const precompiled = normalizers.find((node) => node.type === 'Precompiled');
  const collapses = normalizers.some(
    (node) => node.type === 'Replace' && object(node.pattern, 'Replace pattern').Regex === ' {2,}',
  );
  const preTokenizers =
    root.pre_tokenizer && object(root.pre_tokenizer, 'pre_tokenizer').type === 'Sequence'
      ? ((object(root.pre_tokenizer, 'pre_tokenizer').pretokenizers as unknown[]) ?? [])
      : [root.pre_tokenizer];
  const metaspace = preTokenizers
    .filter((node) => node !== null && node !== undefined)
    .map((node) => object(node, 'pre_tokenizer'))
    .find((node) => node.type === 'Metaspace');
  if (!metaspace)
    invalid('it has no Metaspace pre-tokenizer, so it is not a SentencePiece tokenizer');
  const prependScheme =
    metaspace.prepend_scheme ?? (metaspace.add_prefix_space === false ? 'never' : 'always');

  const normalizerSpec: NormalizerSpec = {
    name: 'tokenizer.json',
    precompiledCharsmap:
      precompiled && typeof precompiled.precompiled_charsmap === 'string'
        ? base64ToBytes(precompiled.precompiled_charsmap)
        : new Uint8Array(0),
    addDummyPrefix: prependScheme !== 'never',
    removeExtraWhitespaces: collapses,
    escapeWhitespaces: true,
  };
  const find = (type: PieceType) => pieces.findIndex((piece) => piece.type === type);
  const control = pieces
    .map((piece, id) => [piece, id] as const)
    .filter(([piece]) => piece.type === PieceType.control);
  const trainerSpec: TrainerSpec = {
    ...defaultTrainerSpec(),
    modelType: ModelType.unigram,
    vocabSize: pieces.length,
    byteFallback,
    userDefinedSymbols,
    controlSymbols: control.map(([piece]) => piece.piece),
    unkId: find(PieceType.unknown),
    bosId: control.find(([piece]) => piece.piece === '<s>')?.[1] ?? -1,
    eosId: control.find(([piece]) => piece.piece === '</s>')?.[1] ?? -1,
    padId: control.find(([piece]) => piece.piece === '<pad>')?.[1] ?? -1,
    unkPiece: pieces[unknownId]!.piece,
  };
  const proto: ModelProto = { pieces, trainerSpec, normalizerSpec, denormalizerSpec: undefined };
  return new SentencePieceTokenizer(proto);
}
