/**
 * Every string one edit from `word`: each letter deleted, each pair of neighbouring letters
 * swapped, each letter of `alphabet` inserted anywhere or put in place of each letter. Distinct,
 * `word` itself excluded; about 2 × alphabet × length strings.
 */
export function singleEdits(word: string, alphabet: string): Set<string> {
  const edits = new Set<string>();
  for (let position = 0; position <= word.length; position++) {
    const before = word.slice(0, position);
    const rest = word.slice(position);
    const after = word.slice(position + 1);
    if (position < word.length) edits.add(before + after);
    if (position + 1 < word.length)
      edits.add(before + word[position + 1] + word[position] + word.slice(position + 2));
    for (const letter of alphabet) {
      edits.add(before + letter + rest);
      if (position < word.length) edits.add(before + letter + after);
    }
  }
  edits.delete(word);
  return edits;
}
