import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SentencePieceTokenizer, TokenizerError } from '../src/index.js';
import { loadSentencePiece } from '../src/node.js';
import { loadModel, modelPath } from './fixtures.js';

const bytes = readFileSync(modelPath('unigram-bg'));

function expectInvalid(input: Uint8Array) {
  try {
    SentencePieceTokenizer.fromBytes(input);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerError);
    expect((error as TokenizerError).code).toMatch(/^MODEL_(INVALID|UNSUPPORTED)$/);
    expect((error as TokenizerError).message).toMatch(/model/i);
    return;
  }
  // Some corruptions still parse into a usable model (a flipped score); that is fine as long
  // as the result works.
  SentencePieceTokenizer.fromBytes(input).encode('проверка');
}

describe('bad model files give a typed error, never a crash or a hang', () => {
  it('rejects empty, tiny and non-model files', () => {
    for (const input of [
      new Uint8Array(0),
      Uint8Array.of(0x0a),
      new TextEncoder().encode('{"model": {}}'),
    ]) {
      expect(() => SentencePieceTokenizer.fromBytes(input)).toThrowError(TokenizerError);
    }
  });

  it('rejects every truncation of a real model', () => {
    for (const length of [1, 2, 10, 100, 1000, 50_000, bytes.length - 100, bytes.length - 1]) {
      expect(
        () => SentencePieceTokenizer.fromBytes(bytes.subarray(0, length)),
        `length ${length}`,
      ).toThrowError(TokenizerError);
    }
  });

  it('survives random byte flips', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 40; trial++) {
      const copy = bytes.slice();
      for (let flip = 0; flip < 20; flip++)
        copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      expectInvalid(copy);
    }
  });

  it('says which file is missing', async () => {
    await expect(loadSentencePiece('/no/such/spiece.model')).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringContaining('/no/such/spiece.model does not exist'),
    });
  });

  it('refuses ids outside the vocabulary', () => {
    const tokenizer = loadModel('unigram-bg');
    expect(() => tokenizer.decode([tokenizer.vocabularySize])).toThrowError(
      expect.objectContaining({ code: 'ID_OUT_OF_RANGE' }),
    );
    expect(() => tokenizer.decode([-1])).toThrowError(TokenizerError);
    expect(() => tokenizer.decode([1.5])).toThrowError(TokenizerError);
  });

  it('refuses n-best and sampling on models that cannot do them, and bad options', () => {
    expect(() => loadModel('bpe-byte-fallback').nbest('текст', 2)).toThrowError(
      expect.objectContaining({ code: 'MODEL_UNSUPPORTED' }),
    );
    expect(() => loadModel('unigram-bg').nbest('текст', 0)).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => loadModel('unigram-bg').sample('текст', { alpha: Number.NaN })).toThrowError(
      TokenizerError,
    );
  });
});
