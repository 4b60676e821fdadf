const probeLow = '\u0334'; // canonical combining class 1
const probeHigh = '\u0301'; // canonical combining class 230
const cache = new Map<number, boolean>();

/**
 * Whether a code point has a non-zero canonical combining class (Python's
 * `unicodedata.combining(c) != 0`), found without a Unicode table: canonical ordering moves
 * a mark past a neighbour of lower class, so a character is a non-starter exactly when NFD
 * reorders it against a probe mark of class 1 or of class 230.
 */
export function isCombining(codePoint: number): boolean {
  if (codePoint < 0x300) return false;
  let result = cache.get(codePoint);
  if (result === undefined) {
    const character = String.fromCodePoint(codePoint);
    const after = character + probeLow;
    const before = probeHigh + character;
    result = after.normalize('NFD') !== after || before.normalize('NFD') !== before;
    cache.set(codePoint, result);
  }
  return result;
}
