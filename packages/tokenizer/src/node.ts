import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenizerError } from './errors.js';
import type { BgGpt2TextTokenizer } from './presets/bg-gpt2-text.js';
import { createBgGpt2Tokenizer } from './presets/bg-gpt2-tokenizer.js';
import { SentencePieceTokenizer } from './sentencepiece-tokenizer.js';

export * from './index.js';

function notFound(path: string, cause: unknown): TokenizerError {
  const reason =
    (cause as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'does not exist' : 'cannot be read';
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

/**
 * The tokenizer of a bg-gpt2 model folder (`spiece.model` + `tokenizer_config.json`), with
 * ALBERT preprocessing and the `<|n|>` newline convention.
 */
export async function loadBgGpt2Tokenizer(folder: string): Promise<BgGpt2TextTokenizer> {
  const modelPath = join(folder, 'spiece.model');
  let sentencePieceModel: Uint8Array;
  try {
    sentencePieceModel = await readFile(modelPath);
  } catch (cause) {
    throw notFound(modelPath, cause);
  }
  let tokenizerConfig: Record<string, unknown> | undefined;
  const configPath = join(folder, 'tokenizer_config.json');
  try {
    tokenizerConfig = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException)?.code !== 'ENOENT') {
      throw new TokenizerError(
        'TOKENIZER_JSON_INVALID',
        `${configPath} is not valid JSON; download it again.`,
        { cause },
      );
    }
  }
  return createBgGpt2Tokenizer({ sentencePieceModel, tokenizerConfig });
}
