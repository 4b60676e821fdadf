import { describe, expect, it } from 'vitest';
import { bulgarianBds, bulgarianPhonetic, KeyboardAdjacency, qwerty } from './keyboard-layout.js';
import { alphabetOf, describeTypingError, TypingErrorModel } from './typing-errors.js';

describe('KeyboardAdjacency', () => {
  const adjacency = new KeyboardAdjacency();

  it('knows neighbouring keys on BDS (а is on D: е and и above, я and о beside)', () => {
    for (const neighbour of ['е', 'и', 'я', 'о']) {
      expect(adjacency.adjacent('а', neighbour), neighbour).toBe(true);
    }
    expect(adjacency.adjacent('а', 'ш')).toBe(false);
  });

  it('knows the phonetic layout and QWERTY too, and is symmetric', () => {
    expect(adjacency.adjacent('в', 'я')).toBe(true); // phonetic Q and W
    expect(adjacency.adjacent('s', 'd')).toBe(true);
    expect(adjacency.adjacent('q', 'p')).toBe(false);
    for (const rows of [bulgarianBds, bulgarianPhonetic, qwerty]) {
      const letters = rows.join('').replaceAll(' ', '');
      for (const first of letters) {
        for (const second of letters) {
          expect(adjacency.adjacent(first, second)).toBe(adjacency.adjacent(second, first));
        }
      }
    }
  });
});

describe('describeTypingError', () => {
  it('tells the four slips apart, from the typed word and the intended one', () => {
    expect(describeTypingError('врме', 'време')).toEqual({
      kind: 'omission',
      position: 2,
      letter: 'е',
    });
    expect(describeTypingError('времме', 'време')).toMatchObject({
      kind: 'insertion',
      position: 4,
      letter: 'м',
      doubled: true,
    });
    expect(describeTypingError('вриме', 'време')).toMatchObject({
      kind: 'substitution',
      position: 2,
      typed: 'и',
      intended: 'е',
    });
    expect(describeTypingError('верме', 'време')).toEqual({ kind: 'transposition', position: 1 });
  });

  it('is undefined for the same word and for words further apart', () => {
    expect(describeTypingError('време', 'време')).toBeUndefined();
    expect(describeTypingError('верме', 'времена')).toBeUndefined();
    expect(describeTypingError('вмере', 'време')).toBeUndefined();
  });

  it('marks slips to a neighbouring key', () => {
    const adjacency = new KeyboardAdjacency();
    expect(describeTypingError('врама', 'врема', adjacency)).toMatchObject({ slipped: true });
    expect(describeTypingError('вршма', 'врема', adjacency)).toMatchObject({ slipped: false });
  });
});

describe('TypingErrorModel', () => {
  const model = new TypingErrorModel();
  const letterCost = Math.log(30);

  it('charges for picking a letter: substitutions and extra letters, half for keyboard slips', () => {
    expect(model.cost('врме', 'време')).toBe(0);
    expect(model.cost('верме', 'време')).toBe(0);
    expect(model.cost('вршме', 'време')).toBeCloseTo(letterCost);
    expect(model.cost('враме', 'време')).toBeCloseTo(letterCost / 2);
    expect(model.cost('врефме', 'време')).toBeCloseTo(letterCost);
    expect(model.cost('времме', 'време')).toBeCloseTo(letterCost / 2);
    expect(model.cost('верм', 'време')).toBeCloseTo(2 * letterCost);
  });

  it('uses the alphabet of the word’s script', () => {
    expect(alphabetOf('време')).toHaveLength(30);
    expect(alphabetOf('time')).toHaveLength(26);
    expect(alphabetOf('χρόνος')).toBeUndefined();
    expect(model.cost('tume', 'time')).toBeCloseTo(Math.log(26) / 2);
  });
});
