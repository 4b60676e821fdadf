import { readFile, stat } from 'node:fs/promises';
import { createBgGpt2Tokenizer, type TextTokenizer } from '@bg-gpt2/tokenizer';
import { loadBgGpt2Tokenizer } from '@bg-gpt2/tokenizer/node';
import type { CommandLine } from '../arguments.js';
import { stringFlag } from '../flag-values.js';
import { loadLanguageModel, modelFlagsHelp } from '../language-model-loader.js';
import { readInputText } from '../prompt-input.js';

export const tokenizeHelp = `bg-gpt2 tokenize --model <source> [--json] "<text>"

The tokens the model reads for a text (the bg-gpt2 convention: line breaks become <|n|>, then
ALBERT preprocessing and SentencePiece). Prints the pieces, then the ids, one line each.
--model may also be a SentencePiece .model file; local files need no ONNX model.

  --json    one JSON object: { "text", "ids", "pieces" }

${modelFlagsHelp}
Example:
  bg-gpt2 tokenize --model ./model "Здравей, свят!"
`;

/** The tokenizer of `--model`: local files directly, anything else through the model loader. */
async function loadTokenizer(
  commandLine: CommandLine,
): Promise<{ tokenizer: TextTokenizer; close(): Promise<void> }> {
  const source = stringFlag(commandLine, 'model');
  const local = source === undefined ? undefined : await stat(source).catch(() => undefined);
  if (local?.isFile()) {
    const tokenizer = createBgGpt2Tokenizer({
      sentencePieceModel: await readFile(source as string),
    });
    return { tokenizer, close: async () => {} };
  }
  if (local?.isDirectory()) {
    return { tokenizer: await loadBgGpt2Tokenizer(source as string), close: async () => {} };
  }
  const lm = await loadLanguageModel(commandLine);
  return { tokenizer: lm.tokenizer, close: () => lm.dispose() };
}

/** `bg-gpt2 tokenize`. */
export async function tokenizeCommand(commandLine: CommandLine): Promise<number> {
  const text = readInputText(commandLine, tokenizeHelp);
  const { tokenizer, close } = await loadTokenizer(commandLine);
  try {
    const ids = tokenizer.encode(text);
    const pieces = tokenizer.encodeAsPieces(text);
    if (commandLine.flags.has('json')) {
      process.stdout.write(`${JSON.stringify({ text, ids, pieces })}\n`);
    } else {
      process.stdout.write(`${pieces.join(' ')}\n${ids.join(' ')}\n`);
    }
    return 0;
  } finally {
    await close();
  }
}
