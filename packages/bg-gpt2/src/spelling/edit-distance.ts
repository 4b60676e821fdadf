/**
 * Optimal-string-alignment distance (Levenshtein plus transposition of two adjacent characters,
 * each substring edited once) between two strings of UTF-16 units, or `maximum + 1` as soon as it
 * is known to exceed `maximum`.
 */
export function editDistance(a: string, b: string, maximum = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > maximum) return maximum + 1;
  const width = b.length + 1;
  let previousPrevious = new Uint16Array(width);
  let previous = new Uint16Array(width);
  let current = new Uint16Array(width);
  for (let column = 0; column < width; column++) previous[column] = column;
  for (let row = 1; row <= a.length; row++) {
    current[0] = row;
    let rowMinimum = row;
    for (let column = 1; column < width; column++) {
      const cost = a.charCodeAt(row - 1) === b.charCodeAt(column - 1) ? 0 : 1;
      let value = Math.min(
        previous[column] + 1,
        current[column - 1] + 1,
        previous[column - 1] + cost,
      );
      if (
        row > 1 &&
        column > 1 &&
        a.charCodeAt(row - 1) === b.charCodeAt(column - 2) &&
        a.charCodeAt(row - 2) === b.charCodeAt(column - 1)
      ) {
        value = Math.min(value, previousPrevious[column - 2] + 1);
      }
      current[column] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > maximum) return maximum + 1;
    [previousPrevious, previous, current] = [previous, current, previousPrevious];
  }
  return Math.min(previous[b.length], maximum + 1);
}
