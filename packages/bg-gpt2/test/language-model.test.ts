import { logSumExp } from '@bg-gpt2/sampler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BgGpt2, isBgGpt2Error } from '../src/node.js';
import { tinyModelFolder } from './fixture-model.js';

let lm: BgGpt2;

beforeAll(async () => {
  const { folder, cacheDirectory } = tinyModelFolder();
  lm = await BgGpt2.load(folder, { cacheDirectory });
});

afterAll(async () => {
  await lm?.dispose();
});

/** The runtime alone: prefill, then argmax steps. */
async function greedyIds(
  promptIds: number[],
  count: number,
  pieceCount: number,
): Promise<number[]> {
  const session = lm.model.createSession();
  const vocabularySize = lm.model.config.vocabularySize;
  const ids: number[] = [];
  let logits = await session.prefill(promptIds);
  for (let step = 0; step < count; step++) {
    let best = 0;
    for (let id = 1; id < pieceCount; id++) if (logits[id] > logits[best]) best = id;
    ids.push(best);
    if (step + 1 < count) logits = await session.step(best);
  }
  expect(logits.length).toBe(vocabularySize);
  await session.dispose();
  return ids;
}

describe('BgGpt2 generation', () => {
  it('greedy generation is the runtime argmax, and the text is the continuation of the prompt', async () => {
    const prompt = 'Здравей, свят';
    const output = await lm.generateDetailed(prompt, { maxNewTokens: 12 });
    expect(output.promptIds).toEqual(lm.encode(prompt));
    const pieceCount = lm.vocabulary.sentencePiece.vocabularySize;
    expect(output.ids).toEqual(await greedyIds(output.promptIds, 12, pieceCount));
    expect(output.finishReason).toBe('length');
    const whole = lm.decode([...output.promptIds, ...output.ids]);
    expect(whole).toBe(lm.decode(output.promptIds) + output.text);
    expect(await lm.generate(prompt, { max_new_tokens: 12 })).toBe(output.text);
  });

  it('never generates model rows the tokenizer cannot decode', async () => {
    const pieceCount = lm.vocabulary.sentencePiece.vocabularySize;
    expect(pieceCount).toBeLessThan(lm.model.config.vocabularySize);
    const output = await lm.generateDetailed('абв', {
      doSample: true,
      topK: 0,
      temperature: 3,
      maxNewTokens: 40,
      seed: 7,
    });
    expect(output.ids.every((id) => id < pieceCount)).toBe(true);
  });

  it('streams the same text it generates, and seeds reproduce', async () => {
    const options = { doSample: true, topP: 0.92, topK: 0, maxLength: 30, seed: 1 };
    let streamed = '';
    for await (const delta of lm.stream('Здравей,', options)) streamed += delta;
    expect(streamed).toBe(await lm.generate('Здравей,', options));
    expect(await lm.generate('Здравей,', options)).toBe(streamed);
    expect(await lm.generate('Здравей,', { ...options, seed: 2 })).not.toBe(streamed);
  });

  it('stops before a stop string, even one made of several tokens', async () => {
    const free = await lm.generate('Здравей', { maxNewTokens: 30 });
    const stop = free.slice(5, 8);
    const index = free.indexOf(stop);
    const output = await lm.generateDetailed('Здравей', { maxNewTokens: 30, stop: [stop] });
    expect(output.text).toBe(free.slice(0, index));
    expect(output.finishReason).toBe('stop-string');
    let streamed = '';
    for await (const delta of lm.stream('Здравей', { maxNewTokens: 30, stop })) streamed += delta;
    expect(streamed).toBe(free.slice(0, index));
  });

  it('beam search returns the requested sequences, best first', async () => {
    const output = await lm.generateDetailed('Здравей', {
      numBeams: 4,
      numReturnSequences: 3,
      maxNewTokens: 6,
    });
    expect(output.sequences).toHaveLength(3);
    const scores = output.sequences.map((sequence) => sequence.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const sequence of output.sequences) {
      expect(lm.decode([...output.promptIds, ...sequence.ids])).toBe(
        lm.decode(output.promptIds) + sequence.text,
      );
    }
  });

  it('an aborted generation rejects with ABORTED and the model keeps working', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const run = (async () => {
      for await (const delta of lm.stream('Здравей', {
        maxNewTokens: 100,
        signal: controller.signal,
      })) {
        deltas.push(delta);
        if (deltas.length === 3) controller.abort(new Error('user pressed stop'));
      }
    })();
    await expect(run).rejects.toSatisfy((error) => isBgGpt2Error(error, 'ABORTED'));
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(await lm.generate('Здравей', { maxNewTokens: 3 })).toHaveLength(
      (await lm.generate('Здравей', { maxNewTokens: 3 })).length,
    );
  });

  it('refuses bad options with a typed error naming the option', async () => {
    await expect(lm.generate('а', { doSample: true, topP: 2 })).rejects.toSatisfy(
      (error) => isBgGpt2Error(error, 'INVALID_ARGUMENT') && /top_p/.test(String(error)),
    );
    await expect(lm.generate('а', { topP: 0.5, top_p: 0.5 })).rejects.toSatisfy((error) =>
      isBgGpt2Error(error, 'INVALID_ARGUMENT'),
    );
    await expect(lm.generate('а', { stop: [''] })).rejects.toSatisfy((error) =>
      isBgGpt2Error(error, 'INVALID_ARGUMENT'),
    );
  });

  it('a prompt longer than the context keeps its end instead of failing', async () => {
    const long = 'абвгд '.repeat(100);
    expect(lm.encode(long).length).toBeGreaterThan(lm.model.config.contextLength);
    const text = await lm.generate(long, { maxNewTokens: 5 });
    expect(typeof text).toBe('string');
  });
});

describe('BgGpt2 scoring', () => {
  it('gives each token its log-probability after the tokens before it', async () => {
    const text = 'Здравей, свят!';
    const score = await lm.score(text);
    const ids = lm.encode(text);
    expect(score.tokens.map((token) => token.id)).toEqual(ids);
    expect(score.tokens[0].logprob).toBeNull();
    const session = lm.model.createSession();
    const logits = await session.logitsAll(ids);
    await session.dispose();
    const size = lm.model.config.vocabularySize;
    for (let position = 1; position < ids.length; position++) {
      const row = logits.subarray((position - 1) * size, position * size);
      expect(score.tokens[position].logprob).toBeCloseTo(row[ids[position]] - logSumExp(row), 5);
    }
    const total = score.tokens.reduce((sum, token) => sum + (token.logprob ?? 0), 0);
    expect(score.total).toBeCloseTo(total, 8);
    expect(score.perplexity).toBeCloseTo(Math.exp(-total / (ids.length - 1)), 6);
  });

  it('scores texts longer than the context in overlapping windows', async () => {
    const text = 'абвгдежзий '.repeat(30);
    const ids = lm.encode(text);
    expect(ids.length).toBeGreaterThan(2 * lm.model.config.contextLength);
    const score = await lm.score(text);
    expect(score.tokens).toHaveLength(ids.length);
    expect(score.tokens.slice(1).every((token) => Number.isFinite(token.logprob))).toBe(true);
    // The first window is scored exactly as a text of that length alone.
    const head = await lm.score(lm.decode(ids.slice(0, 50)));
    expect(score.tokens[49].logprob).toBeCloseTo(head.tokens[49].logprob as number, 5);
  });

  it('an empty text or a single token has no perplexity', async () => {
    expect(await lm.score('')).toEqual({ tokens: [], total: 0, perplexity: Number.NaN });
  });
});

describe('BgGpt2 completion', () => {
  it('returns at most n distinct suggestions, best first', async () => {
    const completions = await lm.complete('Здравей, как с', { n: 3, maxWords: 2 });
    expect(completions.length).toBeLessThanOrEqual(3);
    expect(new Set(completions.map((completion) => completion.text)).size).toBe(completions.length);
    const scores = completions.map((completion) => completion.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('refuses a bad count', async () => {
    await expect(lm.complete('а', { n: 0 })).rejects.toSatisfy((error) =>
      isBgGpt2Error(error, 'INVALID_ARGUMENT'),
    );
  });
});
