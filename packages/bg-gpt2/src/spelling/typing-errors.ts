import { KeyboardAdjacency } from './keyboard-layout.js';

/** One slip of a typist: what turned the intended word into the typed one. */
export type TypingError =
  /** A letter typed too many: `typed[position]`. */
  | { kind: 'insertion'; position: number; letter: string; doubled: boolean; slipped: boolean }
  /** A letter left out: `intended[position]`. */
  | { kind: 'omission'; position: number; letter: string }
  /** `typed[position]` typed for `intended[position]`. */
  | { kind: 'substitution'; position: number; typed: string; intended: string; slipped: boolean }
  /** Two neighbouring letters swapped, at `position` and `position + 1`. */
  | { kind: 'transposition'; position: number };

/** The letters a word may be corrected with, by script (lower case). */
export const alphabets = {
  cyrillic: 'абвгдежзийклмнопрстуфхцчшщъьюя',
  latin: 'abcdefghijklmnopqrstuvwxyz',
} as const;

/** The alphabet of the word's script (Bulgarian for Cyrillic), or undefined for other scripts. */
export function alphabetOf(word: string): string | undefined {
  if (/\p{Script=Cyrillic}/u.test(word)) return alphabets.cyrillic;
  if (/\p{Script=Latin}/u.test(word)) return alphabets.latin;
  return undefined;
}

/**
 * The typing error that turns `intended` into `typed` in one edit, or undefined when they are
 * not one edit apart (equal, or further).
 */
export function describeTypingError(
  typed: string,
  intended: string,
  adjacency?: KeyboardAdjacency,
): TypingError | undefined {
  const slip = (first: string | undefined, second: string | undefined) =>
    first !== undefined && second !== undefined && (adjacency?.adjacent(first, second) ?? false);
  let position = 0;
  const shorter = Math.min(typed.length, intended.length);
  while (position < shorter && typed[position] === intended[position]) position++;
  if (typed.length === intended.length + 1) {
    if (typed.slice(position + 1) !== intended.slice(position)) return undefined;
    const letter = typed[position];
    const before = typed[position - 1];
    const after = typed[position + 1];
    return {
      kind: 'insertion',
      position,
      letter,
      doubled: letter === before || letter === after,
      slipped: slip(letter, before) || slip(letter, after),
    };
  }
  if (typed.length + 1 === intended.length) {
    if (intended.slice(position + 1) !== typed.slice(position)) return undefined;
    return { kind: 'omission', position, letter: intended[position] };
  }
  if (typed.length !== intended.length || position === typed.length) return undefined;
  if (typed.slice(position + 1) === intended.slice(position + 1)) {
    const typedLetter = typed[position];
    const intendedLetter = intended[position];
    return {
      kind: 'substitution',
      position,
      typed: typedLetter,
      intended: intendedLetter,
      slipped: slip(typedLetter, intendedLetter),
    };
  }
  if (
    typed[position] === intended[position + 1] &&
    typed[position + 1] === intended[position] &&
    typed.slice(position + 2) === intended.slice(position + 2)
  ) {
    return { kind: 'transposition', position };
  }
  return undefined;
}

/**
 * A noisy-channel model of typing errors: the cost (nats, the negative log of a relative
 * probability) of assuming that `intended` was typed as `typed`. Each kind of slip is taken as
 * equally likely per letter; a substitution or an extra letter must also have picked its letter
 * — one of the alphabet's, so it costs ln(alphabet size) (≈ 3.4 nats for 30 letters) more than
 * an omission or a transposition, which pick nothing; half that when the letter is a neighbouring
 * key (BDS, phonetic or QWERTY) or a doubled letter, the slips fingers make most. Two edits cost
 * twice the letter cost.
 */
export class TypingErrorModel {
  constructor(readonly adjacency: KeyboardAdjacency = new KeyboardAdjacency()) {}

  /** The typing error that turns `intended` into `typed` in one edit, if any. */
  describe(typed: string, intended: string): TypingError | undefined {
    return describeTypingError(typed, intended, this.adjacency);
  }

  /** Cost in nats (≥ 0) of the slip from `intended` to `typed` (lower case, different). */
  cost(typed: string, intended: string): number {
    const letterCost = Math.log((alphabetOf(typed) ?? alphabets.cyrillic).length);
    const error = this.describe(typed, intended);
    if (error === undefined) return 2 * letterCost;
    switch (error.kind) {
      case 'omission':
      case 'transposition':
        return 0;
      case 'substitution':
        return error.slipped ? letterCost / 2 : letterCost;
      case 'insertion':
        return error.doubled || error.slipped ? letterCost / 2 : letterCost;
    }
  }
}
