import { PrefixConstraint } from './prefix-constraint.js';
import { type Vocabulary, wordStart } from './vocabulary.js';
import { isWordCharacter } from './word-boundary.js';

/** Tokens of a partly typed word taken back at most. */
const maximumHealedTokens = 6;

/** How a continuation of a typed text must begin. */
export interface ContinuationStart {
  /** How many of the context's last tokens were taken back (re-spelled by `prefix`). */
  healed: number;
  /** Ids allowed as the first generated token (a new word after a typed space), if constrained. */
  firstToken?: Uint8Array;
  /** The constraint that makes the generated tokens spell out the taken-back word first. */
  prefix?: PrefixConstraint;
}

/**
 * The first-token rules of auto-complete (`lm.complete`, the widget's ghost text): after a typed
 * space the continuation starts a new word; when the text ends inside a word, that word's
 * tokens (up to the piece that starts it, at most 6) are taken back and must be spelled out
 * again, in any segmentation, before the model goes on (token healing) — "отво" is read as
 * ▁от + во, a split the model never saw before "отворен".
 *
 * @param text the text as typed; @param contextIds its ids as the model reads them.
 */
export function planContinuationStart(
  vocabulary: Vocabulary,
  text: string,
  contextIds: readonly number[],
  options: { dropLeadingSpace: boolean; tokenHealing?: boolean },
): ContinuationStart {
  if (options.dropLeadingSpace) return { healed: 0, firstToken: vocabulary.wordStarts() };
  const last = [...text.slice(-2)].pop();
  if (options.tokenHealing === false || last === undefined || !isWordCharacter(last)) {
    return { healed: 0 };
  }
  let start = contextIds.length;
  while (start > 1 && contextIds.length - start < maximumHealedTokens) {
    const id = contextIds[start - 1];
    if (!vocabulary.isText(id)) break;
    start--;
    if (vocabulary.pieces[id].startsWith(wordStart)) break;
  }
  const healed = contextIds.length - start;
  if (healed === 0) return { healed: 0 };
  const spelled = contextIds
    .slice(start)
    .map((id) => vocabulary.pieces[id])
    .join('');
  return { healed, prefix: new PrefixConstraint(vocabulary, spelled) };
}
