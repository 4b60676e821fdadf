import type { CommandLine } from '../arguments.js';
import { loadLanguageModel, modelFlagsHelp } from '../language-model-loader.js';
import { readInputText } from '../prompt-input.js';

export const scoreHelp = `bg-gpt2 score --model <source> [--json] "<text>"

How likely the model finds a text: each token's natural-log probability given the tokens
before it (none for the first), the total and the perplexity.

  --json    one JSON object: { "tokens": [{ "id", "piece", "logprob" }], "total", "perplexity" }
            (logprob is null for the first token)

${modelFlagsHelp}
Example:
  bg-gpt2 score --model ./model "Това е изречение."
`;

/** `bg-gpt2 score`. */
export async function scoreCommand(commandLine: CommandLine): Promise<number> {
  const text = readInputText(commandLine, scoreHelp);
  const lm = await loadLanguageModel(commandLine);
  try {
    const score = await lm.score(text);
    if (commandLine.flags.has('json')) {
      process.stdout.write(
        `${JSON.stringify({
          text,
          tokens: score.tokens.map(({ id, piece, logprob }) => ({ id, piece, logprob })),
          total: score.total,
          perplexity: Number.isNaN(score.perplexity) ? null : score.perplexity,
        })}\n`,
      );
      return 0;
    }
    const width = Math.max(5, ...score.tokens.map((token) => token.piece.length));
    process.stdout.write(`${'piece'.padEnd(width)}  ${'id'.padStart(6)}  logprob\n`);
    for (const token of score.tokens) {
      const logprob = token.logprob === null ? '—' : token.logprob.toFixed(4);
      process.stdout.write(
        `${token.piece.padEnd(width)}  ${String(token.id).padStart(6)}  ${logprob}\n`,
      );
    }
    process.stdout.write(
      `total ${score.total.toFixed(4)} over ${Math.max(0, score.tokens.length - 1)} tokens, perplexity ${
        Number.isNaN(score.perplexity) ? '—' : score.perplexity.toFixed(2)
      }\n`,
    );
    return 0;
  } finally {
    await lm.dispose();
  }
}
