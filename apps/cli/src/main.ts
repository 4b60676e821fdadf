import { isBgGpt2Error } from '@bg-gpt2/tokenizer';
import { parseCommandLine } from './arguments.js';
import { CliError } from './cli-error.js';
import { benchCommand, benchHelp } from './commands/bench.js';
import { completeCommand, completeHelp } from './commands/complete.js';
import { convertCommand, convertHelp } from './commands/convert.js';
import { generateCommand, generateHelp } from './commands/generate.js';
import { pullCommand, pullHelp } from './commands/pull.js';
import { scoreCommand, scoreHelp } from './commands/score.js';
import { spellCommand, spellHelp } from './commands/spell.js';
import { tokenizeCommand, tokenizeHelp } from './commands/tokenize.js';

const usage = `bg-gpt2 — the Bulgarian GPT-2 in JavaScript, no Python

Usage: bg-gpt2 <command> [options]

Commands:
  generate  continue a text (greedy, sampling, beam search; streaming)
  complete  auto-complete: short alternative continuations ending on word boundaries
  score     per-token log-probabilities and perplexity of a text
  spell     spelling corrections from the model's vocabulary, ranked by the model
  tokenize  the pieces and ids of a text
  pull      download a model into the cache and convert it once
  convert   checkpoint (folder, URL or hub id) → ONNX model folder
  bench     decode speed: the runtime alone and bg-gpt2 end to end

Example:
  bg-gpt2 generate --model rmihaylov/gpt2-small-theseus-bg "Здравей,"

Run "bg-gpt2 <command> --help" for a command's options. Results go to stdout, progress and
diagnostics to stderr.
`;

const commands: Record<
  string,
  { run: (commandLine: ReturnType<typeof parseCommandLine>) => Promise<number>; help: string }
> = {
  generate: { run: generateCommand, help: generateHelp },
  complete: { run: completeCommand, help: completeHelp },
  score: { run: scoreCommand, help: scoreHelp },
  spell: { run: spellCommand, help: spellHelp },
  tokenize: { run: tokenizeCommand, help: tokenizeHelp },
  pull: { run: pullCommand, help: pullHelp },
  convert: { run: convertCommand, help: convertHelp },
  bench: { run: benchCommand, help: benchHelp },
};

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const commandLine = parseCommandLine(argv);
  const { command, flags } = commandLine;
  if (!command || command === 'help') {
    process.stdout.write(usage);
    return command ? 0 : flags.has('help') || flags.has('h') ? 0 : 2;
  }
  const entry = commands[command];
  if (!entry) {
    process.stderr.write(`bg-gpt2: unknown command "${command}".\n\n${usage}`);
    return 2;
  }
  if (flags.has('help') || flags.has('h')) {
    process.stdout.write(entry.help);
    return 0;
  }
  try {
    return await entry.run(commandLine);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`bg-gpt2 ${command}: ${error.message}\n`);
      return error.kind === 'usage' ? 2 : 1;
    }
    if (isBgGpt2Error(error)) {
      process.stderr.write(`bg-gpt2 ${command}: ${(error as Error).message} [${error.code}]\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bg-gpt2: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
