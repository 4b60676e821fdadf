import { describe, expect, it } from 'vitest';
import { CandidateGenerator } from './candidate-generator.js';
import { editDistance } from './edit-distance.js';
import { SegmentationPrior } from './segmentation-prior.js';
import { singleEdits } from './single-edits.js';
import { SpellingIndex } from './spelling-index.js';
import { TypingErrorModel } from './typing-errors.js';

/**
 * A SentencePiece stand-in: pieces with scores; `▁word` is cut into the longest known pieces
 * from the left, a letter it lacks becoming the unknown piece (id 0).
 */
function fakeSentencePiece(pieces: Record<string, number>) {
  const list = ['<unk>', ...Object.keys(pieces)];
  const scores = [0, ...Object.values(pieces)];
  return {
    vocabularySize: list.length,
    score: (id: number) => scores[id],
    isUnknown: (id: number) => id === 0,
    encode(text: string): number[] {
      const ids: number[] = [];
      let rest = `▁${text}`;
      while (rest.length > 0) {
        let length = rest.length;
        while (length > 0 && !list.includes(rest.slice(0, length))) length--;
        ids.push(length === 0 ? 0 : list.indexOf(rest.slice(0, length)));
        rest = rest.slice(Math.max(1, length));
      }
      return ids;
    },
  };
}

describe('singleEdits', () => {
  it('is exactly the strings one edit away, the word itself excluded', () => {
    const alphabet = 'абв';
    const expected: string[] = [];
    const grow = (prefix: string) => {
      if (prefix.length > 0 && editDistance('аб', prefix) === 1) expected.push(prefix);
      if (prefix.length < 3) for (const letter of alphabet) grow(prefix + letter);
    };
    grow('');
    expect([...singleEdits('аб', alphabet)].sort()).toEqual(expected.sort());
  });
});

describe('SegmentationPrior', () => {
  const prior = new SegmentationPrior(
    fakeSentencePiece({ '▁време': -6, '▁вре': -9, '▁': -3, в: -5, р: -5, е: -4, м: -5 }),
  );

  it('sums the scores of the pieces: one common piece beats several', () => {
    expect(prior.logProbability('време')).toBe(-6);
    expect(prior.logProbability('врме')).toBe(-3 - 5 - 5 - 5 - 4);
    expect(prior.logProbability('времме')).toBe(-9 - 5 - 5 - 4);
  });

  it('charges a letter the tokenizer lacks 10 more than the rarest piece', () => {
    expect(prior.logProbability('вщ')).toBe(-3 - 5 - (9 + 10));
  });
});

describe('CandidateGenerator', () => {
  const letters = [...'абвгдежзийклмнопрстуфхцчшщъьюя'];
  const sentencePiece = fakeSentencePiece({
    '▁време': -6,
    '▁бреме': -10,
    '▁врем': -11,
    '▁': -3,
    на: -6,
    ...Object.fromEntries(letters.map((letter) => [letter, -5])),
  });
  const index = new SpellingIndex(['време', 'бреме'], [-6, -10]);
  const generator = new CandidateGenerator(
    index,
    new SegmentationPrior(sentencePiece),
    new TypingErrorModel(),
  );

  it('ranks the likely word with the cheap typing error first', () => {
    expect(generator.candidates('врме', 4, 1)[0]).toEqual({
      word: 'време',
      prior: -6,
      typingCost: 0,
    });
  });

  it('proposes words that are not whole pieces of the vocabulary, one edit away', () => {
    const candidates = generator.candidates('времна', 3, 1);
    expect(index.has('времена')).toBe(false);
    expect(candidates[0]).toEqual({ word: 'времена', prior: -12, typingCost: 0 });
    expect(candidates).toHaveLength(3);
    for (const { word } of candidates) expect(editDistance('времна', word)).toBe(1);
  });

  it('reaches whole pieces two edits away through the index, and never returns the word', () => {
    expect(generator.candidates('вемре', 50, 2).map(({ word }) => word)).toContain('време');
    expect(generator.candidates('вемре', 50, 1).map(({ word }) => word)).not.toContain('време');
    expect(generator.candidates('време', 10, 2).map(({ word }) => word)).not.toContain('време');
  });
});
