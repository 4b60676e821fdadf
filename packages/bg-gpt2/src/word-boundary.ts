/** A letter, digit or combining mark: the characters words are made of. */
const wordCharacter = /[\p{L}\p{N}\p{M}]/u;

/** Whether a character belongs to a word (letters, digits, marks; `-` and `'` inside a word). */
export function isWordCharacter(character: string): boolean {
  return wordCharacter.test(character);
}

/**
 * The first `maxWords` words of a continuation, cut at a word boundary, with punctuation that
 * directly follows the last word (e.g. "свят!"). The last word counts only when it is known to
 * be complete: something other than a word character follows it, or the text `ended` (the model
 * stopped there). Returns '' when not even one complete word is there.
 *
 * A continuation that starts inside a word (finishing the word being typed) counts that rest as
 * its first word.
 */
export function cutToWords(text: string, maxWords: number, ended: boolean): string {
  const characters = [...text];
  let words = 0;
  let index = 0;
  let cut = 0;
  while (index < characters.length && words < maxWords) {
    while (index < characters.length && !isWordCharacter(characters[index])) index++;
    if (index >= characters.length) break;
    while (
      index < characters.length &&
      (isWordCharacter(characters[index]) ||
        (isJoiner(characters[index]) && isWordCharacter(characters[index + 1] ?? '')))
    ) {
      index++;
    }
    if (index >= characters.length && !ended) break;
    words++;
    // Punctuation glued to the word's end stays with it.
    while (
      index < characters.length &&
      !isWordCharacter(characters[index]) &&
      !/\s/u.test(characters[index])
    ) {
      index++;
    }
    cut = index;
  }
  return characters.slice(0, cut).join('');
}

function isJoiner(character: string): boolean {
  return character === '-' || character === "'" || character === '\u2019';
}
