import { performance } from 'node:perf_hooks';
import { argmax } from '@bg-gpt2/sampler';
import type { BgGpt2 } from 'bg-gpt2';
import type { CommandLine } from '../arguments.js';
import { numberFlag } from '../flag-values.js';
import { loadLanguageModel, modelFlagsHelp } from '../language-model-loader.js';

export const benchHelp = `bg-gpt2 bench --model <source> [--prompt-tokens 8] [--new-tokens 128] [--rounds 3] [--json]

Measures, interleaved round by round on one loaded model:
  raw        the runtime alone: prefill, then one step per token choosing the argmax
  generate   bg-gpt2 end to end: tokenizer, the model card's sampling (top-p 0.92 over the whole
             vocabulary, top-k off) through the processor chain, streaming detokenization
and reports ms per generated token (the prefill included, medians), tokens/s and what the
end-to-end path adds: the median over rounds of generate / raw − 1, each round's pair run back
to back (paired, so that a slow moment of the machine affects both). Both paths run the same
prompt and generate the same number of tokens. On a busy machine the model's own time swings by
more than the few percent the rest costs, so the time outside the model runs (between them:
sampling, detokenizing, the generators; argmax for raw) is reported too, per token, and its
difference as a share of the raw time per token.

  --prompt-tokens <n>   prompt length in tokens (default 8)
  --new-tokens <n>      tokens generated per run (default 128)
  --rounds <n>          measured rounds (default 3, after one warm-up); use 9 or more when
                        measuring an overhead of a few percent
  --json                one JSON object with every figure

${modelFlagsHelp}
Example:
  bg-gpt2 bench --model ./model --dtype q8 --threads 2
`;

const sampleSentence =
  'България е държава в Югоизточна Европа, разположена в източната част на Балканския полуостров. ';

/** A Bulgarian prompt of exactly `length` tokens (its text and ids). */
function makePrompt(lm: BgGpt2, length: number): { text: string; ids: number[] } {
  let text = sampleSentence;
  while (lm.encode(text).length < length) text += sampleSentence;
  const ids = lm.encode(text).slice(0, length);
  return { text: lm.decode(ids), ids };
}

/** Milliseconds spent inside the model's prefill and step calls, of every session made. */
interface ModelClock {
  ms: number;
}

/** Times every prefill and step of the sessions `lm.model` makes from now on. */
function clockModelCalls(lm: BgGpt2): ModelClock {
  const clock = { ms: 0 };
  const model = lm.model;
  const createSession = model.createSession.bind(model);
  const clocked =
    <Input extends unknown[], Output>(call: (...input: Input) => Promise<Output>) =>
    async (...input: Input): Promise<Output> => {
      const started = performance.now();
      try {
        return await call(...input);
      } finally {
        clock.ms += performance.now() - started;
      }
    };
  model.createSession = (options) => {
    const session = createSession(options);
    session.prefill = clocked(session.prefill.bind(session));
    session.step = clocked(session.step.bind(session));
    return session;
  };
  return clock;
}

/** Total ms of `run` and the part of it inside the model's calls. */
async function timed(clock: ModelClock, run: () => Promise<number>): Promise<[number, number]> {
  const before = clock.ms;
  const total = await run();
  return [total, clock.ms - before];
}

/** The runtime alone: prefill, then argmax steps; `newTokens` tokens chosen. Total ms. */
async function rawDecode(lm: BgGpt2, promptIds: number[], newTokens: number): Promise<number> {
  const vocabularySize = lm.model.config.vocabularySize;
  const started = performance.now();
  const session = lm.model.createSession();
  try {
    let logits = await session.prefill(promptIds);
    for (let step = 1; step < newTokens; step++) {
      logits = await session.step(argmax(logits.subarray(0, vocabularySize)));
    }
    argmax(logits.subarray(0, vocabularySize));
    return performance.now() - started;
  } finally {
    await session.dispose();
  }
}

/** bg-gpt2 end to end, text in and text out, exactly `newTokens` tokens. Total ms. */
async function endToEnd(
  lm: BgGpt2,
  prompt: string,
  newTokens: number,
  seed: number,
): Promise<number> {
  const options = {
    doSample: true,
    topP: 0.92,
    topK: 0,
    maxNewTokens: newTokens,
    minNewTokens: newTokens,
    seed,
  };
  const started = performance.now();
  let text = '';
  for await (const delta of lm.stream(prompt, options)) text += delta;
  return text.length >= 0 ? performance.now() - started : 0;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** `bg-gpt2 bench`. */
export async function benchCommand(commandLine: CommandLine): Promise<number> {
  const promptTokens = numberFlag(commandLine, 'prompt-tokens', { integer: true, minimum: 1 }) ?? 8;
  const newTokens = numberFlag(commandLine, 'new-tokens', { integer: true, minimum: 1 }) ?? 128;
  const rounds = numberFlag(commandLine, 'rounds', { integer: true, minimum: 1 }) ?? 3;
  const loadStarted = performance.now();
  const lm = await loadLanguageModel(commandLine);
  const loadMs = performance.now() - loadStarted;
  try {
    const prompt = makePrompt(lm, promptTokens);
    const clock = clockModelCalls(lm);
    await rawDecode(lm, prompt.ids, 4);
    await endToEnd(lm, prompt.text, 4, 0);
    const raw: number[] = [];
    const generate: number[] = [];
    const rawOutside: number[] = [];
    const generateOutside: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const [rawMs, rawModelMs] = await timed(clock, () => rawDecode(lm, prompt.ids, newTokens));
      const [generateMs, generateModelMs] = await timed(clock, () =>
        endToEnd(lm, prompt.text, newTokens, round + 1),
      );
      raw.push(rawMs / newTokens);
      generate.push(generateMs / newTokens);
      rawOutside.push((rawMs - rawModelMs) / newTokens);
      generateOutside.push((generateMs - generateModelMs) / newTokens);
      process.stderr.write(
        `round ${round + 1}: raw ${raw[round].toFixed(2)} ms/token, generate ${generate[round].toFixed(2)} ms/token; outside the model ${(rawOutside[round] * 1000).toFixed(0)} / ${(generateOutside[round] * 1000).toFixed(0)} µs/token\n`,
      );
    }
    const result = {
      model: lm.model.source,
      promptTokens: prompt.ids.length,
      newTokens,
      rounds,
      loadMs,
      rawMsPerToken: median(raw),
      generateMsPerToken: median(generate),
      rawTokensPerSecond: 1000 / median(raw),
      generateTokensPerSecond: 1000 / median(generate),
      overhead: median(generate.map((value, round) => value / raw[round])) - 1,
      rawOutsideMsPerToken: median(rawOutside),
      generateOutsideMsPerToken: median(generateOutside),
      outsideOverhead: (median(generateOutside) - median(rawOutside)) / median(raw),
    };
    if (commandLine.flags.has('json')) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `load ${loadMs.toFixed(0)} ms; ${result.promptTokens}-token prompt, ${newTokens} new tokens, median of ${rounds}\n` +
          `raw decode   ${result.rawMsPerToken.toFixed(2)} ms/token  ${result.rawTokensPerSecond.toFixed(1)} tokens/s\n` +
          `generate     ${result.generateMsPerToken.toFixed(2)} ms/token  ${result.generateTokensPerSecond.toFixed(1)} tokens/s\n` +
          `end-to-end overhead ${(result.overhead * 100).toFixed(1)} %\n` +
          `outside the model runs: raw ${(result.rawOutsideMsPerToken * 1000).toFixed(0)} µs/token, generate ${(result.generateOutsideMsPerToken * 1000).toFixed(0)} µs/token: +${(result.outsideOverhead * 100).toFixed(1)} % of a raw token\n`,
      );
    }
    return 0;
  } finally {
    await lm.dispose();
  }
}
