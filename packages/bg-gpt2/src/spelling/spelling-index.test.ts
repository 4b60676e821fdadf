import { describe, expect, it } from 'vitest';
import { matchCase } from './case-pattern.js';
import { editDistance } from './edit-distance.js';
import { SpellingIndex } from './spelling-index.js';

/** Every string one edit (insert, delete, substitute, transpose) away from `word`. */
function oneEdit(word: string, alphabet: string): Set<string> {
  const result = new Set<string>();
  for (let index = 0; index <= word.length; index++) {
    for (const character of alphabet) {
      result.add(word.slice(0, index) + character + word.slice(index));
      if (index < word.length) result.add(word.slice(0, index) + character + word.slice(index + 1));
    }
    if (index < word.length) result.add(word.slice(0, index) + word.slice(index + 1));
    if (index + 1 < word.length) {
      result.add(word.slice(0, index) + word[index + 1] + word[index] + word.slice(index + 2));
    }
  }
  result.delete(word);
  return result;
}

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions', () => {
    expect(editDistance('време', 'време')).toBe(0);
    expect(editDistance('време', 'врме')).toBe(1);
    expect(editDistance('време', 'време')).toBe(0);
    expect(editDistance('време', 'вермe')).toBe(2);
    expect(editDistance('време', 'вермее')).toBe(2);
    expect(editDistance('време', 'вриме')).toBe(1);
    expect(editDistance('време', 'рвеме')).toBe(1);
    expect(editDistance('', 'абв')).toBe(3);
  });

  it('stops early past the maximum', () => {
    expect(editDistance('абвгд', 'еёжзи', 1)).toBe(2);
    expect(editDistance('а', 'абвгд', 2)).toBe(3);
  });
});

describe('SpellingIndex', () => {
  const words = ['време', 'времена', 'бреме', 'река', 'ръка', 'рака', 'днес', 'хубаво'];
  const index = new SpellingIndex(words, [-5, -8, -11, -6, -6, -12, -4, -7]);

  it('finds every known word one edit away, and checks the real distance', () => {
    for (const word of words) {
      for (const typo of oneEdit(word, 'абвгдеиклмнорстуъ')) {
        const found = index.lookup(typo, 1).map((candidate) => candidate.word);
        expect(found, `${typo} should find ${word}`).toContain(word);
        for (const candidate of index.lookup(typo, 1)) {
          expect(editDistance(typo, candidate.word)).toBe(candidate.distance);
          expect(candidate.distance).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('orders candidates by distance, then by prior', () => {
    expect(index.lookup('река', 1).map((candidate) => candidate.word)).toEqual([
      'река',
      'ръка',
      'рака',
    ]);
  });

  it('reaches distance 2 for a substitution plus a deletion', () => {
    expect(index.lookup('врмна', 2).map((candidate) => candidate.word)).not.toContain('времена');
    expect(index.lookup('времина', 2).map((candidate) => candidate.word)).toContain('времена');
  });
});

describe('matchCase', () => {
  it('copies capitals from the word as written', () => {
    expect(matchCase('Врме', 'време')).toBe('Време');
    expect(matchCase('ВРМЕ', 'време')).toBe('ВРЕМЕ');
    expect(matchCase('врме', 'време')).toBe('време');
    expect(matchCase('В', 'във')).toBe('Във');
  });

  it('copies a mixed pattern letter by letter', () => {
    expect(matchCase('ГЛанни', 'главни')).toBe('ГЛавни');
    expect(matchCase('тВрме', 'време')).toBe('вРеме');
  });
});
