import type { CommandLine } from '../arguments.js';
import { numberFlag } from '../flag-values.js';
import { loadLanguageModel, modelFlagsHelp } from '../language-model-loader.js';
import { readInputText } from '../prompt-input.js';

export const completeHelp = `bg-gpt2 complete --model <source> [--n 3] [--max-words 3] [--json] "<text>"

Auto-complete: up to n short continuations of the text, best first, one per line, each ending
on a word boundary. A text ending inside a word gets the rest of that word first; after a
trailing space, a new word.

  --n <n>               suggestions at most (default 3)
  --max-words <n>       words per suggestion at most (default 3)
  --num-beams <n>       beams searched (default max(n, 4))
  --no-token-healing    do not re-choose the text's last token
  --json                one JSON object: { "completions": [{ "text", "score" }] }

${modelFlagsHelp}
Example:
  bg-gpt2 complete --model ./model "Днес времето е "
`;

/** `bg-gpt2 complete`. */
export async function completeCommand(commandLine: CommandLine): Promise<number> {
  const text = readInputText(commandLine, completeHelp);
  const positive = (name: string) => numberFlag(commandLine, name, { integer: true, minimum: 1 });
  const n = positive('n');
  const maxWords = positive('max-words');
  const numBeams = positive('num-beams');
  const lm = await loadLanguageModel(commandLine);
  try {
    const completions = await lm.complete(text, {
      ...(n === undefined ? {} : { n }),
      ...(maxWords === undefined ? {} : { maxWords }),
      ...(numBeams === undefined ? {} : { numBeams }),
      tokenHealing: !commandLine.flags.has('no-token-healing'),
    });
    if (commandLine.flags.has('json')) {
      process.stdout.write(`${JSON.stringify({ text, completions })}\n`);
    } else {
      for (const completion of completions) process.stdout.write(`${completion.text}\n`);
    }
    return 0;
  } finally {
    await lm.dispose();
  }
}
