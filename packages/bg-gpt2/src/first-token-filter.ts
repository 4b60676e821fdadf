import type { GenerationContext, LogitsProcessor } from '@bg-gpt2/sampler';

/**
 * Allows only some ids as the first generated token (every other logit becomes `-Infinity`);
 * later steps are untouched. The facade uses it for token healing (the first token must extend
 * the prompt's last, taken-back piece) and to start a new word after a typed space.
 */
export class FirstTokenFilter implements LogitsProcessor {
  readonly #allowed: Uint8Array;

  /** @param allowed a mask over the vocabulary: 1 where the id may come first. */
  constructor(allowed: Uint8Array) {
    this.#allowed = allowed;
  }

  process(logits: Float32Array, context: GenerationContext): void {
    if (context.generatedCount !== 0) return;
    const allowed = this.#allowed;
    for (let id = 0; id < logits.length; id++) {
      if (allowed[id] !== 1) logits[id] = Number.NEGATIVE_INFINITY;
    }
  }
}
