/** A letter, digit or combining mark: what words are made of. */
const wordCharacter = /[\p{L}\p{N}\p{M}]/u;
const whitespace = /\s/u;

/** Whether a character belongs to a word (letters, digits, combining marks). */
export function isWordCharacter(character: string): boolean {
  return wordCharacter.test(character);
}

/**
 * Whether a suggestion may be shown with the caret at `caret`: the selection is empty, some text
 * precedes the caret, and the caret is at the end of the text, or at the end of a word or line
 * (what follows it is whitespace and what precedes it is not). Never inside a word.
 */
export function canSuggestAt(text: string, selectionStart: number, selectionEnd: number): boolean {
  if (selectionStart !== selectionEnd) return false;
  const caret = selectionStart;
  const before = text.slice(0, caret);
  if (before.trim().length === 0) return false;
  if (caret >= text.length) return true;
  const next = text[caret];
  const previous = before[before.length - 1];
  return whitespace.test(next) && !whitespace.test(previous);
}

/**
 * The text the model continues: what precedes the caret, at most `maxCharacters` of it, cut at
 * a whitespace so that no word is cut in half (a suggestion reads the last paragraph or so:
 * latency stays flat however long the text is).
 */
export function contextBeforeCaret(text: string, caret: number, maxCharacters: number): string {
  const before = text.slice(0, caret);
  if (before.length <= maxCharacters) return before;
  const start = before.length - maxCharacters;
  const boundary = before.slice(start).search(whitespace);
  return boundary < 0 ? before.slice(start) : before.slice(start + boundary + 1);
}

/**
 * What of a streamed continuation to show as ghost text. A word is shown only once it is known
 * to be complete (whitespace follows it, or the stream ended for a reason other than running out
 * of tokens) — except the first word, which grows as it streams in so that something appears
 * at once. Whitespace at the end is not shown; the result only grows while a stream goes on.
 *
 * @param streamed everything received so far.
 * @param finished the stream ended; `cutShort` when it ran out of tokens (the last word may be
 *   incomplete) rather than ending on its own (end of text, end of line).
 */
export function visibleSuggestion(streamed: string, finished: boolean, cutShort = false): string {
  const line = streamed.split('\n', 1)[0];
  if (finished && !cutShort) return line.trimEnd();
  const firstContent = line.search(/\S/u);
  if (firstContent < 0) return '';
  // The last whitespace that follows some content: the end of the last complete word.
  let boundary = -1;
  for (let index = line.length - 1; index > firstContent; index--) {
    if (whitespace.test(line[index])) {
      boundary = index;
      break;
    }
  }
  if (boundary < 0) return line.trimEnd();
  return line.slice(0, boundary).trimEnd();
}

/**
 * The first word of a suggestion with the whitespace before it and the punctuation glued to its
 * end: what Ctrl/Cmd+→ accepts (" как" of " как си", "ей," of "ей, как").
 */
export function firstWord(suggestion: string): string {
  const characters = [...suggestion];
  let index = 0;
  while (index < characters.length && whitespace.test(characters[index])) index++;
  if (index < characters.length && !isWordCharacter(characters[index])) {
    // Leading punctuation is a word of its own ("," of ", как").
    return characters.slice(0, afterPunctuation(characters, index)).join('');
  }
  while (
    index < characters.length &&
    (isWordCharacter(characters[index]) ||
      (isJoiner(characters[index]) && isWordCharacter(characters[index + 1] ?? '')))
  ) {
    index++;
  }
  return characters.slice(0, afterPunctuation(characters, index)).join('');
}

/** The index after the punctuation (neither word character nor space) that starts at `index`. */
function afterPunctuation(characters: readonly string[], index: number): number {
  let end = index;
  while (
    end < characters.length &&
    !isWordCharacter(characters[end]) &&
    !whitespace.test(characters[end])
  ) {
    end++;
  }
  return end;
}

function isJoiner(character: string): boolean {
  return character === '-' || character === "'" || character === '\u2019';
}

/**
 * What is left of a suggestion after the user typed `typed` at the caret: the rest when the
 * suggestion starts with it ("typing through" the ghost text keeps it), else undefined.
 */
export function remainderAfterTyping(suggestion: string, typed: string): string | undefined {
  if (typed.length === 0 || !suggestion.startsWith(typed)) return undefined;
  return suggestion.slice(typed.length);
}
