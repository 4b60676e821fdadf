import { requireTokenIds, requireTokenSequences } from '../validation.js';
import { SequenceBiasProcessor } from './sequence-bias.js';

/** Options of {@link BadWordsProcessor}. */
export interface BadWordsOptions {
  /**
   * End-of-sequence id(s): a one-token bad word equal to one of them is dropped, so that the
   * sequence can still end (as Hugging Face's `NoBadWordsLogitsProcessor`).
   */
  eosTokenIds?: number | readonly number[];
}

/**
 * Bad words (Hugging Face's `NoBadWordsLogitsProcessor`, i.e. `bad_words_ids`): sequences of
 * token ids that must never be generated. A one-token sequence is always banned; for a longer
 * one, its last token is banned whenever the sequence so far ends with the rest of it. It is a
 * {@link SequenceBiasProcessor} with bias `-Infinity`, exactly as in Hugging Face.
 */
export class BadWordsProcessor extends SequenceBiasProcessor {
  /** @param sequences the banned sequences (each a non-empty list of ids). */
  constructor(sequences: readonly (readonly number[])[], options: BadWordsOptions = {}) {
    const banned = requireTokenSequences('badWordsIds', sequences);
    const eos =
      options.eosTokenIds === undefined ? [] : requireTokenIds('eosTokenIds', options.eosTokenIds);
    super(
      banned
        .filter((sequence) => !(sequence.length === 1 && eos.includes(sequence[0])))
        .map((sequence) => [sequence, Number.NEGATIVE_INFINITY] as const),
    );
  }
}
