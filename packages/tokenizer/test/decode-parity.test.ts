import { describe, expect, it } from 'vitest';
import { loadModel, readJsonLines } from './fixtures.js';

interface DecodeCase {
  model: string;
  ids: number[];
  pieces: string[];
  text: string;
}

const cases = readJsonLines<DecodeCase>('expected/decode-cases.jsonl.gz');
const models = [...new Set(cases.map((entry) => entry.model))];

/**
 * Id sequences the C++ library decoded: control and unknown ids, user-defined symbols, bare
 * `▁`, byte pieces forming valid, truncated and invalid UTF-8, and random sequences.
 */
describe.each(models)('decoding with %s matches C++ SentencePiece', (model) => {
  const tokenizer = loadModel(model);
  const modelCases = cases.filter((entry) => entry.model === model);

  it('decodes ids', () => {
    expect(modelCases.length).toBeGreaterThan(100);
    for (const entry of modelCases)
      expect(tokenizer.decode(entry.ids), JSON.stringify(entry.ids)).toBe(entry.text);
  });

  it('decodes pieces', () => {
    for (const entry of modelCases) expect(tokenizer.decodePieces(entry.pieces)).toBe(entry.text);
  });

  it('streams ids to the same text, one id at a time', () => {
    for (const entry of modelCases) {
      const decoder = tokenizer.createStreamingDecoder();
      let text = '';
      for (const id of entry.ids) text += decoder.push(id);
      text += decoder.flush();
      expect(text, JSON.stringify(entry.ids)).toBe(entry.text);
    }
  });
});
