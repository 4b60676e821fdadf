import type { SentencePieceTokenizer } from './sentencepiece-tokenizer.js';
import { decodeCharacter } from './utf8.js';
import { pieceToByte } from './vocabulary.js';

/** Bytes needed to decide the character a lead byte starts, as the C++ decoder reads it. */
function bytesToDecide(lead: number): number {
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) === 0xc0) return 2;
  if ((lead & 0xf0) === 0xe0) return 3;
  if ((lead & 0xf8) === 0xf0) return 4;
  return 1;
}

/**
 * Turns ids that arrive one at a time into text deltas. The concatenation of every delta and
 * the final {@link StreamingDecoder.flush} equals `tokenizer.decode(allIds)`; a character made
 * of byte pieces is held back until its last byte arrives.
 */
export class StreamingDecoder {
  #pending: number[] = [];
  #emittedLength = 0;
  #ids: number[] = [];
  #expectLeadingSpace = true;
  #droppedPrefix = false;

  constructor(private readonly tokenizer: SentencePieceTokenizer) {}

  /** Every id pushed so far. */
  get tokens(): readonly number[] {
    return this.#ids;
  }

  /** Adds one id; returns the text that became final (often '', never a partial character). */
  push(id: number): string {
    const piece = this.tokenizer.idToPiece(id);
    this.#ids.push(id);
    if (this.tokenizer.isByte(id)) {
      this.#pending.push(pieceToByte(piece));
      return this.#emit(this.#drainBytes(false));
    }
    const bytes = this.#drainBytes(true);
    if (this.#droppedPrefix || this.#emittedLength + bytes.length > 0)
      this.#expectLeadingSpace = false;
    const [surface, dropped] = this.tokenizer.pieceSurface(piece, id, this.#expectLeadingSpace);
    this.#droppedPrefix = dropped;
    return this.#emit(bytes + surface);
  }

  /** Ends the stream: returns what was held back (malformed bytes as U+FFFD). */
  flush(): string {
    return this.#emit(this.#drainBytes(true));
  }

  #emit(text: string): string {
    this.#emittedLength += text.length;
    return text;
  }

  #drainBytes(final: boolean): string {
    let text = '';
    const pending = this.#pending;
    let offset = 0;
    while (offset < pending.length) {
      if (!final && pending.length - offset < bytesToDecide(pending[offset]!)) break;
      const [codePoint, length] = decodeCharacter(
        Uint8Array.from(pending.slice(offset, offset + 4)),
        0,
        Math.min(4, pending.length - offset),
      );
      text += String.fromCodePoint(codePoint);
      offset += length;
    }
    this.#pending = pending.slice(offset);
    return text;
  }
}
