import type { TextStreamingDecoder, TextTokenizer } from './text-tokenizer.js';

/** The special symbols of the bg-gpt2 model family's training text. */
export const bgGpt2Symbols = {
  /** A line break in the training text. */
  newline: '<|n|>',
  /** Separates documents. */
  endOfText: '<|endoftext|>',
  /** Stands for text the corpus could not represent; dropped from output. */
  unknown: '<|unknown|>',
} as const;

/** What `<|endoftext|>` becomes in output text, as in the model card. */
export const endOfTextReplacement = '\n\n\n';

/** User text → the model's text: every line break becomes `<|n|>`. */
export function toModelText(text: string): string {
  return text.replace(/\r\n|\r|\n/g, bgGpt2Symbols.newline);
}

/**
 * Decoded model text → user text, the model card's post-processing in its order:
 * `<|endoftext|>` → blank lines, `<|unknown|>` dropped, `▁` → space, `<|n|>` → line break.
 */
export function fromModelText(text: string): string {
  return text
    .replaceAll(bgGpt2Symbols.endOfText, endOfTextReplacement)
    .replaceAll(bgGpt2Symbols.unknown, '')
    .replaceAll('\u2581', ' ')
    .replaceAll(bgGpt2Symbols.newline, '\n');
}

const symbols = Object.values(bgGpt2Symbols);

/** Length of the longest suffix of `text` that could still grow into a symbol. */
function pendingSymbolLength(text: string): number {
  for (let length = Math.min(text.length, 12); length > 0; length--) {
    const tail = text.slice(text.length - length);
    if (symbols.some((symbol) => symbol.length > length && symbol.startsWith(tail))) return length;
  }
  return 0;
}

/**
 * The bg-gpt2 text convention around any tokenizer: line breaks become `<|n|>` on the way in;
 * on the way out `<|n|>` is a line break, `<|endoftext|>` blank lines, `<|unknown|>` nothing.
 */
export class BgGpt2TextTokenizer implements TextTokenizer {
  constructor(readonly inner: TextTokenizer) {}

  get vocabularySize(): number {
    return this.inner.vocabularySize;
  }

  encode(text: string): number[] {
    return this.inner.encode(toModelText(text));
  }

  encodeAsPieces(text: string): string[] {
    return this.inner.encodeAsPieces(toModelText(text));
  }

  decode(ids: readonly number[]): string {
    return fromModelText(this.inner.decode(ids));
  }

  /** Streams text deltas; a partial `<|…|>` symbol is held back until it is complete. */
  createStreamingDecoder(): TextStreamingDecoder {
    const inner = this.inner.createStreamingDecoder();
    let held = '';
    const release = (text: string, final: boolean): string => {
      const combined = held + text;
      const keep = final ? 0 : pendingSymbolLength(combined);
      held = combined.slice(combined.length - keep);
      return fromModelText(combined.slice(0, combined.length - keep));
    };
    return {
      push: (id) => release(inner.push(id), false),
      flush: () => release(inner.flush(), true),
    };
  }
}
