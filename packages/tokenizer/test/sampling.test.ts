import { describe, expect, it } from 'vitest';
import { loadModel } from './fixtures.js';

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('subword regularisation (sampling)', () => {
  const tokenizer = loadModel('unigram-bg');
  const text = 'Здравейте, скъпи приятели и колеги';

  it('draws valid segmentations of the same text', () => {
    const random = seeded(1);
    for (let draw = 0; draw < 200; draw++) {
      const sample = tokenizer.sample(text, { alpha: 0.1 }, random);
      expect(tokenizer.decode(sample.ids)).toBe(text);
      expect(sample.pieces.join('').replaceAll('\u2581', ' ').trim()).toBe(text);
    }
  });

  it('is reproducible with the same seed and varies across seeds', () => {
    const first = Array.from({ length: 20 }, (_, index) =>
      tokenizer.sample(text, { alpha: 0.1 }, seeded(index)).ids.join(),
    );
    const again = Array.from({ length: 20 }, (_, index) =>
      tokenizer.sample(text, { alpha: 0.1 }, seeded(index)).ids.join(),
    );
    expect(again).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('follows exp(alpha · score): the best path is the most frequent, more so as alpha grows', () => {
    const best = tokenizer.encode(text).join();
    const share = (alpha: number) => {
      const random = seeded(42);
      let hits = 0;
      for (let draw = 0; draw < 400; draw++)
        if (tokenizer.sample(text, { alpha }, random).ids.join() === best) hits++;
      return hits / 400;
    };
    const low = share(0.05);
    const high = share(1);
    expect(high).toBeGreaterThan(low);
    expect(high).toBeGreaterThan(0.5);
  });

  it('samples among the n best when nbestSize > 1, with their scores', () => {
    const nbest = tokenizer.nbest(text, 4);
    const allowed = new Set(nbest.map((result) => result.ids.join()));
    const random = seeded(3);
    for (let draw = 0; draw < 100; draw++) {
      const sample = tokenizer.sample(text, { alpha: 0.5, nbestSize: 4 }, random);
      expect(allowed.has(sample.ids.join())).toBe(true);
    }
    // The score of a sampled path is the sum of its pieces' scores.
    const sample = tokenizer.sample(text, { alpha: 0.2 }, seeded(9));
    const sum = sample.ids.reduce((total, id) => Math.fround(total + tokenizer.score(id)), 0);
    expect(sample.score).toBeCloseTo(sum, 3);
  });

  it('returns the best path for alpha 0 or nbestSize 1', () => {
    const best = tokenizer.encode(text);
    expect(tokenizer.sample(text, { alpha: 0 }).ids).toEqual(best);
    expect(tokenizer.sample(text, { nbestSize: 1, alpha: 0.5 }).ids).toEqual(best);
  });
});

describe('streaming decoder', () => {
  const tokenizer = loadModel('bpe-byte-fallback');

  it('never emits half a character or U+FFFD while bytes are in flight', () => {
    const text = 'Ѯ 😀 ꙮ 🇧🇬 ok';
    const ids = tokenizer.encode(text);
    expect(ids.some((id) => tokenizer.isByte(id))).toBe(true);
    const decoder = tokenizer.createStreamingDecoder();
    const deltas = ids.map((id) => decoder.push(id));
    deltas.push(decoder.flush());
    for (const delta of deltas) {
      expect(delta).not.toContain('\uFFFD');
      expect(delta).not.toMatch(
        /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
      );
    }
    expect(deltas.join('')).toBe(tokenizer.decode(ids));
  });

  it('turns bytes that can never complete into U+FFFD at the end, as decode does', () => {
    const byte = (value: number) =>
      tokenizer.pieceToId(`<0x${value.toString(16).toUpperCase().padStart(2, '0')}>`);
    const ids = [byte(0xf0), byte(0x9f)];
    const decoder = tokenizer.createStreamingDecoder();
    expect(ids.map((id) => decoder.push(id)).join('')).toBe('');
    expect(decoder.flush()).toBe(tokenizer.decode(ids));
  });
});
