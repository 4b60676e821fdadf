import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { SentencePieceTokenizer } from '../src/index.js';

/** Where the golden fixtures made by tooling/tokenizer-fixtures live. */
export const fixturesDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The models trained by tooling/tokenizer-fixtures/train-models.sh. */
export const modelNames = [
  'unigram-bg',
  'bpe-byte-fallback',
  'nfkc-cf',
  'identity',
  'suffix',
  'char',
  'word',
] as const;
export type ModelName = (typeof modelNames)[number];

export function modelPath(name: string): string {
  return join(fixturesDirectory, 'models', name.endsWith('.model') ? name : `${name}.model`);
}

const cache = new Map<string, SentencePieceTokenizer>();

export function loadModel(name: string): SentencePieceTokenizer {
  let tokenizer = cache.get(name);
  if (!tokenizer) {
    tokenizer = SentencePieceTokenizer.fromBytes(readFileSync(modelPath(name)));
    cache.set(name, tokenizer);
  }
  return tokenizer;
}

/** Records of a gzipped JSON-lines fixture. */
export function readJsonLines<T>(relativePath: string): T[] {
  const text = gunzipSync(readFileSync(join(fixturesDirectory, relativePath))).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** One line of `expected/<model>.jsonl.gz`: what the C++ library produced for `text`. */
export interface ExpectedEncoding {
  source: 'hard' | 'long' | 'heldout';
  text: string;
  ids: number[];
  pieces: string[];
  surfaces: string[];
  /** UTF-8 byte offsets into `text`. */
  offsets: [number, number][];
  normalized: string;
  decoded: string;
  nbest?: { ids: number[]; score: number }[];
}

/** Maps UTF-8 byte offsets of `text` to UTF-16 offsets. */
export function byteToUtf16Offsets(text: string): Map<number, number> {
  const map = new Map<number, number>([[0, 0]]);
  let bytes = 0;
  let units = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0)!;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    units += character.length;
    map.set(bytes, units);
  }
  return map;
}
