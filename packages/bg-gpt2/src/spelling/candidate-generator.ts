import type { SegmentationPrior } from './segmentation-prior.js';
import { singleEdits } from './single-edits.js';
import type { SpellingIndex } from './spelling-index.js';
import { alphabetOf, type TypingErrorModel } from './typing-errors.js';

/** A word the typed one may have been meant as. */
export interface CandidateCorrection {
  /** The candidate (lower case). */
  word: string;
  /** Its unigram log-probability as a word ({@link SegmentationPrior}). */
  prior: number;
  /** The cost (nats) of the typing error that would have turned it into the typed word. */
  typingCost: number;
}

/**
 * Candidate corrections of a typed word, ranked before any model call: the model's whole-word
 * pieces within a small edit distance (the {@link SpellingIndex}), and every string one edit
 * away in the word's alphabet — so words the tokenizer splits into several pieces can be
 * proposed too. They are ranked by how likely each is as a word (its segmentation prior) and how
 * likely its typing error is (the noisy channel), and the best few kept.
 */
export class CandidateGenerator {
  constructor(
    readonly index: SpellingIndex,
    readonly prior: SegmentationPrior,
    readonly typingErrors: TypingErrorModel,
  ) {}

  /**
   * The `count` best candidates for `word` (lower case), best first, the word itself excluded.
   * @param maximumDistance edit distance of whole-word pieces from the index (1 or 2).
   */
  candidates(word: string, count: number, maximumDistance: number): CandidateCorrection[] {
    const strings = new Set<string>();
    for (const candidate of this.index.lookup(word, maximumDistance)) strings.add(candidate.word);
    const alphabet = alphabetOf(word);
    if (alphabet !== undefined) for (const edit of singleEdits(word, alphabet)) strings.add(edit);
    strings.delete(word);
    const ranked: (CandidateCorrection & { rank: number })[] = [];
    for (const candidate of strings) {
      const prior = this.prior.logProbability(candidate);
      const typingCost = this.typingErrors.cost(word, candidate);
      ranked.push({ word: candidate, prior, typingCost, rank: prior - typingCost });
    }
    ranked.sort((left, right) => right.rank - left.rank || (left.word < right.word ? -1 : 1));
    return ranked
      .slice(0, count)
      .map(({ word, prior, typingCost }) => ({ word, prior, typingCost }));
  }
}
