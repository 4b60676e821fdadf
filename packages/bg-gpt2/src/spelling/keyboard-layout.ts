/**
 * Rows of letter keys of a keyboard layout, top (Q) row first, each row from its leftmost key;
 * a space stands for a key that types no letter.
 */
export type KeyboardRows = readonly [string, string, string];

/** Bulgarian BDS 5237 (the "typewriter" layout, Windows' "Bulgarian"): Q row starts with `,`/ы. */
export const bulgarianBds: KeyboardRows = [' уеишщксдзц', 'ьяаожгтнвмч', 'юйъэфхпрлб'];

/** Bulgarian phonetic (the traditional one): я on Q, в on W, … */
export const bulgarianPhonetic: KeyboardRows = ['явертъуиопшщ', 'асдфгхйкл', 'зьцжбнм'];

/** QWERTY, for Latin-script words. */
export const qwerty: KeyboardRows = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** How far right of the Q row's keys each row starts (in keys), as on a staggered keyboard. */
const rowStagger = [0, 0.25, 0.75];

/**
 * Which letters sit on neighbouring keys (left, right, or touching on the row above or below) on
 * any of the given layouts — the keys a finger slips to.
 */
export class KeyboardAdjacency {
  private readonly neighbours = new Map<string, Set<string>>();

  constructor(layouts: readonly KeyboardRows[] = [bulgarianBds, bulgarianPhonetic, qwerty]) {
    for (const rows of layouts) {
      const keys: { letter: string; row: number; x: number }[] = [];
      rows.forEach((row, rowIndex) => {
        [...row].forEach((letter, column) => {
          if (letter !== ' ')
            keys.push({ letter, row: rowIndex, x: column + rowStagger[rowIndex] });
        });
      });
      for (const key of keys) {
        for (const other of keys) {
          if (key === other || Math.abs(key.row - other.row) > 1) continue;
          const distance = Math.abs(key.x - other.x);
          if (key.row === other.row ? distance === 1 : distance < 1) {
            let set = this.neighbours.get(key.letter);
            if (set === undefined) {
              set = new Set();
              this.neighbours.set(key.letter, set);
            }
            set.add(other.letter);
          }
        }
      }
    }
  }

  /** Whether two (lower-case) letters are on neighbouring keys. */
  adjacent(first: string, second: string): boolean {
    return this.neighbours.get(first)?.has(second) ?? false;
  }
}
