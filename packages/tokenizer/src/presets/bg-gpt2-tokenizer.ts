import { SentencePieceTokenizer } from '../sentencepiece-tokenizer.js';
import { AlbertTokenizer, albertOptionsFromConfig } from './albert-tokenizer.js';
import { BgGpt2TextTokenizer } from './bg-gpt2-text.js';

/** The files of a bg-gpt2 model folder that make its tokenizer. */
export interface BgGpt2TokenizerFiles {
  /** Bytes of `spiece.model`. */
  sentencePieceModel: Uint8Array | ArrayBuffer;
  /** Parsed `tokenizer_config.json` (its ALBERT switches); HF's defaults when absent. */
  tokenizerConfig?: Record<string, unknown>;
}

/**
 * The tokenizer exactly as the published checkpoint uses it: SentencePiece, Hugging Face's
 * ALBERT preprocessing configured from tokenizer_config.json, and the bg-gpt2 text convention.
 *
 * ```ts
 * const tokenizer = createBgGpt2Tokenizer({ sentencePieceModel, tokenizerConfig });
 * tokenizer.encode('Здравей,\nсвят'); // the newline is encoded as <|n|>
 * ```
 */
export function createBgGpt2Tokenizer(files: BgGpt2TokenizerFiles): BgGpt2TextTokenizer {
  const sentencePiece = SentencePieceTokenizer.fromBytes(files.sentencePieceModel);
  return new BgGpt2TextTokenizer(
    new AlbertTokenizer(sentencePiece, albertOptionsFromConfig(files.tokenizerConfig ?? {})),
  );
}
