import { describe, expect, it } from 'vitest';
import {
  byteToUtf16Offsets,
  type ExpectedEncoding,
  loadModel,
  modelNames,
  readJsonLines,
} from './fixtures.js';

/**
 * Every line the C++ library encoded (hand-made hard lines, 10 000-character words and
 * held-out Bulgarian text) must come out identical: ids, pieces, surfaces, offsets,
 * normalized text, decoded text and the n-best list with its scores.
 */
describe.each(modelNames)('%s matches C++ SentencePiece', (name) => {
  const tokenizer = loadModel(name);
  const records = readJsonLines<ExpectedEncoding>(`expected/${name}.jsonl.gz`);

  it('has fixtures', () => {
    expect(records.length).toBeGreaterThan(600);
  });

  it('encodes to the same ids and pieces', () => {
    const mismatches = records.filter(
      (record) =>
        JSON.stringify(tokenizer.encode(record.text)) !== JSON.stringify(record.ids) ||
        JSON.stringify(tokenizer.encodeAsPieces(record.text)) !== JSON.stringify(record.pieces),
    );
    expect(mismatches.map((record) => record.text)).toEqual([]);
  });

  it('normalizes to the same text', () => {
    const mismatches = records.filter(
      (record) => tokenizer.normalize(record.text) !== record.normalized,
    );
    expect(
      mismatches.map((record) => [
        record.text,
        tokenizer.normalize(record.text),
        record.normalized,
      ]),
    ).toEqual([]);
  });

  it('gives the same surfaces and offsets', () => {
    for (const record of records) {
      const toUtf16 = byteToUtf16Offsets(record.text);
      const encoded = tokenizer.encodeWithOffsets(record.text);
      expect(encoded.map((piece) => piece.id)).toEqual(record.ids);
      expect(encoded.map((piece) => piece.surface)).toEqual(record.surfaces);
      expect(encoded.map((piece) => [piece.begin, piece.end])).toEqual(
        record.offsets.map(([begin, end]) => [toUtf16.get(begin), toUtf16.get(end)]),
      );
    }
  });

  it('decodes the ids to the same text', () => {
    const mismatches = records.filter((record) => tokenizer.decode(record.ids) !== record.decoded);
    expect(mismatches.map((record) => record.text)).toEqual([]);
  });

  const withNbest = records.filter((record) => record.nbest !== undefined);
  it.runIf(withNbest.length > 0)('lists the same n-best segmentations with the same scores', () => {
    for (const record of withNbest) {
      const expected = record.nbest!;
      const actual = tokenizer.nbest(record.text, 5);
      expect(actual.map((result) => result.ids)).toEqual(expected.map((result) => result.ids));
      expect(actual.map((result) => Math.fround(result.score))).toEqual(
        expected.map((result) => Math.fround(result.score)),
      );
    }
  });
});
