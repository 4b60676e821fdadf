import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repositoryRoot = join(here, '..', '..', '..');
export const tokenizerModels = join(repositoryRoot, 'packages', 'tokenizer', 'fixtures', 'models');
const tinyCheckpoint = join(repositoryRoot, 'packages', 'convert', 'fixtures', 'tiny-gpt2');

/**
 * A model folder in the published layout, small enough for unit tests: the tiny random GPT-2
 * checkpoint (1 000 rows) with the 146-piece character SentencePiece model as its tokenizer
 * (the model has more rows than the tokenizer has pieces, as padded vocabularies do).
 */
export function tinyModelFolder(): { folder: string; cacheDirectory: string } {
  const folder = mkdtempSync(join(tmpdir(), 'bg-gpt2-facade-model-'));
  for (const name of ['config.json', 'pytorch_model.bin']) {
    copyFileSync(join(tinyCheckpoint, name), join(folder, name));
  }
  copyFileSync(join(tokenizerModels, 'char.model'), join(folder, 'spiece.model'));
  return { folder, cacheDirectory: mkdtempSync(join(tmpdir(), 'bg-gpt2-facade-cache-')) };
}
