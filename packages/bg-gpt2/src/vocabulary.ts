import { bgGpt2Symbols, type SentencePieceTokenizer } from '@bg-gpt2/tokenizer';

/** The SentencePiece word-start mark. */
export const wordStart = '\u2581';

/**
 * The tokenizer's pieces seen from the model: piece strings by id, the special symbols, and
 * masks over the model's rows for constraining the first generated token.
 */
export class Vocabulary {
  /** Piece string of each id (ids the tokenizer lacks — the model may have more rows — are ''). */
  readonly pieces: readonly string[];
  /** Id of `<|endoftext|>`, when the tokenizer has it. */
  readonly endOfTextId: number | undefined;
  /** Id of `<|n|>`, when the tokenizer has it. */
  readonly newlineId: number | undefined;
  #wordStartMask: Uint8Array | undefined;

  constructor(
    readonly sentencePiece: SentencePieceTokenizer,
    readonly size: number,
  ) {
    const pieces: string[] = [];
    for (let id = 0; id < size; id++) {
      pieces.push(id < sentencePiece.vocabularySize ? sentencePiece.idToPiece(id) : '');
    }
    this.pieces = pieces;
    this.endOfTextId = this.find(bgGpt2Symbols.endOfText);
    this.newlineId = this.find(bgGpt2Symbols.newline);
  }

  /** The id of a piece, or undefined. */
  find(piece: string): number | undefined {
    const id = this.sentencePiece.pieceToId(piece);
    return id !== this.sentencePiece.unknownId || piece === this.pieces[id] ? id : undefined;
  }

  /** Whether an id is a normal piece (not control, unknown, unused or a `<|…|>` symbol). */
  isText(id: number): boolean {
    const sentencePiece = this.sentencePiece;
    if (id >= sentencePiece.vocabularySize) return false;
    return !(
      sentencePiece.isControl(id) ||
      sentencePiece.isUnknown(id) ||
      sentencePiece.isUnused(id) ||
      sentencePiece.isUserDefined(id)
    );
  }

  /** Mask of the pieces that start a new word (`▁…`), plus `<|n|>`. */
  wordStarts(): Uint8Array {
    if (this.#wordStartMask === undefined) {
      const mask = new Uint8Array(this.size);
      this.pieces.forEach((piece, id) => {
        if (piece.startsWith(wordStart) && this.isText(id)) mask[id] = 1;
      });
      if (this.newlineId !== undefined) mask[this.newlineId] = 1;
      this.#wordStartMask = mask;
    }
    return this.#wordStartMask;
  }

  /** Mask of the text pieces that begin with `prefix` (longer or equal). */
  extending(prefix: string): Uint8Array {
    const mask = new Uint8Array(this.size);
    this.pieces.forEach((piece, id) => {
      if (piece.startsWith(prefix) && this.isText(id)) mask[id] = 1;
    });
    return mask;
  }
}
