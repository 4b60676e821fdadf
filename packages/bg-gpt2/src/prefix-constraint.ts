import type { GenerationContext, LogitsProcessor } from '@bg-gpt2/sampler';
import type { Vocabulary } from './vocabulary.js';

/**
 * Token healing over several tokens: the generated pieces must first spell out `prefix` (the
 * pieces taken back from the end of the prompt, e.g. `▁отво`), in any segmentation — each
 * token either covers the rest of the prefix and goes beyond it (`▁отворен`), or is a piece of
 * it (`▁от`, then `во…`). Once the prefix is spelled out, nothing is constrained. Stateless: the
 * generated tokens come from the context, so one instance serves every beam.
 */
export class PrefixConstraint implements LogitsProcessor {
  readonly #vocabulary: Vocabulary;
  readonly #prefix: string;
  /** Allowed ids per remaining-prefix length (the same rest recurs across beams and steps). */
  readonly #masks = new Map<number, Uint8Array>();

  constructor(vocabulary: Vocabulary, prefix: string) {
    this.#vocabulary = vocabulary;
    this.#prefix = prefix;
  }

  process(logits: Float32Array, context: GenerationContext): void {
    const { pieces } = this.#vocabulary;
    let spelled = 0;
    for (let index = context.promptLength; index < context.tokens.length; index++) {
      spelled += pieces[context.tokens[index]]?.length ?? 0;
      if (spelled >= this.#prefix.length) return;
    }
    const allowed = this.#allowed(spelled);
    for (let id = 0; id < logits.length; id++) {
      if (allowed[id] !== 1) logits[id] = Number.NEGATIVE_INFINITY;
    }
  }

  /** The ids that go on from `spelled` characters of the prefix. */
  #allowed(spelled: number): Uint8Array {
    const known = this.#masks.get(spelled);
    if (known !== undefined) return known;
    const rest = this.#prefix.slice(spelled);
    const vocabulary = this.#vocabulary;
    const mask = new Uint8Array(vocabulary.size);
    vocabulary.pieces.forEach((piece, id) => {
      if (
        piece.length > 0 &&
        vocabulary.isText(id) &&
        (piece.startsWith(rest) || rest.startsWith(piece))
      ) {
        mask[id] = 1;
      }
    });
    this.#masks.set(spelled, mask);
    return mask;
  }
}
