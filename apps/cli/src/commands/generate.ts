import type { CommandLine } from '../arguments.js';
import { generationFlagsHelp, generationOptionsFromFlags } from '../generation-flags.js';
import { loadLanguageModel, modelFlagsHelp } from '../language-model-loader.js';
import { readInputText } from '../prompt-input.js';

export const generateHelp = `bg-gpt2 generate --model <source> [options] "<prompt>"

Continues a Bulgarian text. Prints the prompt and the continuation as it is generated (stdout);
progress and diagnostics go to stderr. The prompt may come on standard input instead.

Output:
  --json                one JSON object: prompt, prompt_ids, ids, text (the new text),
                        finish_reason, and sequences (each with text, ids, finish_reason, score)
  --continuation-only   print only the new text

${modelFlagsHelp}
${generationFlagsHelp}
Examples:
  bg-gpt2 generate --model rmihaylov/gpt2-small-theseus-bg "Здравей,"
  bg-gpt2 generate --model ./model --do-sample --top-p 0.92 --top-k 0 --max-length 50 --seed 1 "Здравей,"   # the model card's example
  bg-gpt2 generate --model ./model --greedy --max-new-tokens 20 --json "България е"
  bg-gpt2 generate --model ./model --num-beams 4 --num-return-sequences 3 "Утре ще"
`;

/** `bg-gpt2 generate`. */
export async function generateCommand(commandLine: CommandLine): Promise<number> {
  const prompt = readInputText(commandLine, generateHelp);
  const options = generationOptionsFromFlags(commandLine);
  const lm = await loadLanguageModel(commandLine);
  const abort = new AbortController();
  const onInterrupt = (): void => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onInterrupt);
  options.signal = abort.signal;
  try {
    const json = commandLine.flags.has('json');
    const several = (options.numBeams ?? 1) > 1 || (options.numReturnSequences ?? 1) > 1;
    const showPrompt = !commandLine.flags.has('continuation-only');
    if (json || several) {
      const output = await lm.generateDetailed(prompt, options);
      if (json) {
        process.stdout.write(
          `${JSON.stringify({
            prompt,
            prompt_ids: output.promptIds,
            ids: output.ids,
            text: output.text,
            finish_reason: output.finishReason,
            sequences: output.sequences.map((sequence) => ({
              text: sequence.text,
              ids: sequence.ids,
              finish_reason: sequence.finishReason,
              ...(sequence.score === undefined ? {} : { score: sequence.score }),
            })),
          })}\n`,
        );
      } else {
        const texts = output.sequences.map(
          (sequence) => (showPrompt ? prompt : '') + sequence.text,
        );
        process.stdout.write(`${texts.join('\n\n')}\n`);
      }
      return 0;
    }
    if (showPrompt) process.stdout.write(prompt);
    for await (const delta of lm.stream(prompt, options)) process.stdout.write(delta);
    process.stdout.write('\n');
    return 0;
  } finally {
    process.off('SIGINT', onInterrupt);
    await lm.dispose();
  }
}
