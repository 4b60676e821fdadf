import type { SpellingCorrection } from 'bg-gpt2';
import type { CommandLine } from '../arguments.js';
import { numberFlag } from '../flag-values.js';
import { loadLanguageModel, modelFlagsHelp } from '../language-model-loader.js';
import { readInputText } from '../prompt-input.js';

export const spellHelp = `bg-gpt2 spell --model <source> [--margin 8] [--apply] [--json] "<text>"

Spelling correction: words the model finds much less likely than a near spelling from its own
vocabulary (within a small edit distance), with suggestions, best first. One line per word:
"start-end word → suggestion (gain)".

  --margin <nats>   how much more likely (log ratio) a correction must make the sentence
                    (default 8; higher: fewer false alarms)
  --apply           print the text with each first suggestion applied
  --json            one JSON object: { "corrections": [{ "start", "end", "word",
                    "suggestions": [{ "text", "gain" }] }] } (UTF-16 offsets)

${modelFlagsHelp}
Example:
  bg-gpt2 spell --model ./model "Днес времото е хубаво."
`;

/** The text with each correction's first suggestion in place. */
export function applyCorrections(text: string, corrections: readonly SpellingCorrection[]): string {
  let result = '';
  let position = 0;
  for (const correction of corrections) {
    result += text.slice(position, correction.start) + correction.suggestions[0].text;
    position = correction.end;
  }
  return result + text.slice(position);
}

/** `bg-gpt2 spell`. */
export async function spellCommand(commandLine: CommandLine): Promise<number> {
  const text = readInputText(commandLine, spellHelp);
  const margin = numberFlag(commandLine, 'margin');
  const lm = await loadLanguageModel(commandLine);
  try {
    const corrections = await lm.spell(text, margin === undefined ? {} : { margin });
    if (commandLine.flags.has('json')) {
      process.stdout.write(`${JSON.stringify({ text, corrections })}\n`);
    } else if (commandLine.flags.has('apply')) {
      process.stdout.write(`${applyCorrections(text, corrections)}\n`);
    } else {
      for (const correction of corrections) {
        const suggestions = correction.suggestions
          .map((suggestion) => `${suggestion.text} (${suggestion.gain.toFixed(1)})`)
          .join(', ');
        process.stdout.write(
          `${correction.start}-${correction.end} ${correction.word} → ${suggestions}\n`,
        );
      }
      if (corrections.length === 0) process.stderr.write('no corrections\n');
    }
    return 0;
  } finally {
    await lm.dispose();
  }
}
