import type { TextStreamingDecoder, TextTokenizer } from '@bg-gpt2/tokenizer';

/**
 * Streams the text of generated ids as a continuation of a prompt: the prompt's ids prime a
 * streaming decoder (so the first generated word keeps its leading space and a character split
 * across the prompt and the continuation comes out whole), and the characters that reproduce
 * the prompt are skipped.
 */
export class ContinuationDecoder {
  readonly #decoder: TextStreamingDecoder;
  /** Characters still to skip: those of the prompt's own text. */
  #skip: number;
  #dropSpace: boolean;

  /**
   * @param contextIds the ids fed to the model before the generated ones.
   * @param promptText the text of the prompt as the user sees it (`tokenizer.decode` of the
   *   prompt's ids); the continuation starts after it. It may be longer than the text of
   *   `contextIds` when the prompt's last token was taken back (token healing).
   * @param dropLeadingSpace drop one space at the start of the continuation (the user already
   *   typed one).
   */
  constructor(
    tokenizer: TextTokenizer,
    contextIds: readonly number[],
    promptText: string,
    dropLeadingSpace = false,
  ) {
    this.#decoder = tokenizer.createStreamingDecoder();
    let primed = 0;
    for (const id of contextIds) primed += this.#decoder.push(id).length;
    this.#skip = promptText.length - primed;
    this.#dropSpace = dropLeadingSpace;
  }

  /** Adds a generated id; returns the continuation's new final text. */
  push(id: number): string {
    return this.#release(this.#decoder.push(id));
  }

  /** The rest of the text (held-back bytes or symbol fragments) at the end. */
  flush(): string {
    return this.#release(this.#decoder.flush());
  }

  #release(text: string): string {
    let output = text;
    if (this.#skip > 0) {
      const skipped = Math.min(this.#skip, output.length);
      output = output.slice(skipped);
      this.#skip -= skipped;
    }
    if (this.#dropSpace && output.length > 0) {
      if (output.startsWith(' ')) output = output.slice(1);
      this.#dropSpace = false;
    }
    return output;
  }
}
