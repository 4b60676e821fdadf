import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { TokenizerError } from './errors.js';
import { SentencePieceTokenizer } from './sentencepiece-tokenizer.js';

export * from './index.js';

function notFound(path: string, cause: unknown): TokenizerError {
  const reason = (cause as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'does not exist' : 'cannot be read';
  return new TokenizerError(
    'MODEL_NOT_FOUND',
    `The SentencePiece model ${path} ${reason}. Check the path (a spiece.model or *.model file).`,
    { cause },
  );
}

/** Loads a `.model` file from disk (Node only). */
export async function loadSentencePiece(path: string): Promise<SentencePieceTokenizer> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw notFound(path, cause);
  }
  return SentencePieceTokenizer.fromBytes(bytes);
}

/** Synchronous {@link loadSentencePiece}, for command-line tools. */
export function loadSentencePieceSync(path: string): SentencePieceTokenizer {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw notFound(path, cause);
  }
  return SentencePieceTokenizer.fromBytes(bytes);
}
