import type { SentencePieceTokenizer } from '../sentencepiece-tokenizer.js';
import type { StreamingDecoder } from '../streaming-decoder.js';
import { isCombining } from './combining-class.js';
import { collapsePythonWhitespace } from './python-whitespace.js';
import type { TextTokenizer } from './text-tokenizer.js';

/** The preprocessing switches of Hugging Face's `AlbertTokenizer` (from tokenizer_config.json). */
export interface AlbertOptions {
  /** Lower-case the text (HF default true; the rmihaylov models use false). */
  doLowerCase: boolean;
  /** Keep accents; when false, NFKD and drop combining marks (HF default false). */
  keepAccents: boolean;
  /** Trim and collapse whitespace runs to one space (HF default true). */
  removeSpace: boolean;
}

/** HF's defaults, for a tokenizer_config.json that leaves a switch out. */
export const albertDefaults: AlbertOptions = {
  doLowerCase: true,
  keepAccents: false,
  removeSpace: true,
};

/** Reads the ALBERT switches from a parsed `tokenizer_config.json`. */
export function albertOptionsFromConfig(config: Record<string, unknown>): AlbertOptions {
  const flag = (name: string, fallback: boolean) =>
    typeof config[name] === 'boolean' ? (config[name] as boolean) : fallback;
  return {
    doLowerCase: flag('do_lower_case', albertDefaults.doLowerCase),
    keepAccents: flag('keep_accents', albertDefaults.keepAccents),
    removeSpace: flag('remove_space', albertDefaults.removeSpace),
  };
}

/** `AlbertTokenizer.preprocess_text`: whitespace, ``/'' quotes, accents, case. */
export function preprocessAlbert(text: string, options: AlbertOptions): string {
  let output = options.removeSpace ? collapsePythonWhitespace(text) : text;
  output = output.replaceAll('``', '"').replaceAll("''", '"');
  if (!options.keepAccents) {
    let stripped = '';
    for (const character of output.normalize('NFKD')) {
      if (!isCombining(character.codePointAt(0)!)) stripped += character;
    }
    output = stripped;
  }
  if (options.doLowerCase) output = output.toLowerCase();
  return output;
}

const spaceSymbol = '\u2581';
const isDigit = (character: string) => /^\p{Nd}$/u.test(character);

/**
 * SentencePiece with Hugging Face `AlbertTokenizer`'s behaviour on top: its preprocessing, and
 * its rule that re-splits a piece ending in "<digit>," so the comma stands alone.
 */
export class AlbertTokenizer implements TextTokenizer {
  constructor(
    readonly sentencePiece: SentencePieceTokenizer,
    readonly options: AlbertOptions = albertDefaults,
  ) {}

  get vocabularySize(): number {
    return this.sentencePiece.vocabularySize;
  }

  /** The text as the SentencePiece model receives it. */
  preprocess(text: string): string {
    return preprocessAlbert(text, this.options);
  }

  encodeAsPieces(text: string): string[] {
    const sentencePiece = this.sentencePiece;
    const pieces = sentencePiece.encodeAsPieces(this.preprocess(text));
    const result: string[] = [];
    for (const piece of pieces) {
      const characters = [...piece];
      if (
        characters.length > 1 &&
        piece.endsWith(',') &&
        isDigit(characters[characters.length - 2]!)
      ) {
        const current = sentencePiece.encodeAsPieces(
          characters.slice(0, -1).join('').replaceAll(spaceSymbol, ''),
        );
        if (
          !piece.startsWith(spaceSymbol) &&
          current.length > 0 &&
          current[0]!.startsWith(spaceSymbol)
        ) {
          if ([...current[0]!].length === 1) current.shift();
          else current[0] = current[0]!.slice(1);
        }
        current.push(',');
        result.push(...current);
      } else {
        result.push(piece);
      }
    }
    return result;
  }

  /** Ids as HF's `convert_tokens_to_ids` gives them: each piece looked up (unknown → unk id). */
  encode(text: string): number[] {
    return this.encodeAsPieces(text).map((piece) => this.sentencePiece.pieceToId(piece));
  }

  decode(ids: readonly number[]): string {
    return this.sentencePiece.decode(ids);
  }

  createStreamingDecoder(): StreamingDecoder {
    return this.sentencePiece.createStreamingDecoder();
  }
}
