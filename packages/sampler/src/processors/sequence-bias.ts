import { SamplerError } from '../errors.js';
import type { GenerationContext } from '../generation-context.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { invalid, requireTokenSequences } from '../validation.js';

/** A token sequence and the bias added to the logit of its last token. */
export type SequenceBias = readonly [sequence: readonly number[], bias: number];

/**
 * Sequence bias (Hugging Face's `SequenceBiasLogitsProcessor`): for each `[sequence, bias]`, adds
 * `bias` to the logit of the sequence's last token whenever choosing it would complete the
 * sequence — always for one-token sequences, and for longer ones when the sequence so far ends
 * with all but its last token. As Hugging Face, a sequence longer than the whole context so far
 * is skipped. Biases of sequences ending in the same token add up; a sequence listed twice keeps
 * its last bias. A bias of `-Infinity` bans the sequence.
 */
export class SequenceBiasProcessor implements LogitsProcessor {
  /** The biased sequences (deduplicated, last bias wins). */
  readonly entries: readonly SequenceBias[];
  #checkedLength = -1;

  /** @param entries `[sequence, bias]` pairs; each sequence non-empty, each bias finite or `-Infinity`. */
  constructor(entries: readonly SequenceBias[]) {
    if (!Array.isArray(entries)) {
      invalid(
        `Sequence biases must be a list of [sequence, bias] pairs; got ${JSON.stringify(entries)}.`,
      );
    }
    const sequences = requireTokenSequences(
      'sequenceBias sequences',
      entries.map((entry) => (Array.isArray(entry) ? entry[0] : entry)),
    );
    const unique = new Map<string, SequenceBias>();
    entries.forEach((entry, index) => {
      const bias = entry[1];
      if (typeof bias !== 'number' || Number.isNaN(bias) || bias === Number.POSITIVE_INFINITY) {
        invalid(
          `The bias of sequence ${index} must be a finite number or -Infinity; got ${String(bias)}.`,
        );
      }
      unique.set(sequences[index].join(','), [sequences[index], bias]);
    });
    this.entries = [...unique.values()];
  }

  process(logits: Float32Array, context: GenerationContext): void {
    if (this.#checkedLength !== logits.length) this.#checkIds(logits.length);
    const tokens = context.tokens;
    const length = tokens.length;
    for (const [sequence, bias] of this.entries) {
      const last = sequence.length - 1;
      if (last > 0) {
        if (sequence.length > length) continue;
        let matches = true;
        for (let offset = 0; offset < last; offset++) {
          if (tokens[length - last + offset] !== sequence[offset]) {
            matches = false;
            break;
          }
        }
        if (!matches) continue;
      }
      logits[sequence[last]] += bias;
    }
  }

  #checkIds(vocabularySize: number): void {
    const outside = this.entries.flatMap(([sequence]) =>
      sequence.filter((id) => id >= vocabularySize),
    );
    if (outside.length > 0) {
      throw new SamplerError(
        'INVALID_ARGUMENT',
        `The vocabulary has ${vocabularySize} tokens, but these biased ids are outside it: ${[...new Set(outside)].join(', ')}.`,
      );
    }
    this.#checkedLength = vocabularySize;
  }
}
