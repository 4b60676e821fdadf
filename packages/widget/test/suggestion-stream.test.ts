import { loadModel } from '@bg-gpt2/runtime/node';
import { BgGpt2 } from 'bg-gpt2/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSuggestionModel,
  type SuggestionEnd,
  type SuggestionModel,
  streamSuggestion,
} from '../src/suggestion-stream.js';
import type { SuggestionSettings } from '../src/worker-protocol.js';
import { modelFolder, testDataType } from './model-folder.js';

const greedy: SuggestionSettings = { maxNewTokens: 8, temperature: 0, topP: 1, topK: 0 };
let suggestions: SuggestionModel;
let lm: BgGpt2;

beforeAll(async () => {
  const model = await loadModel(await modelFolder(), { dtype: testDataType });
  suggestions = createSuggestionModel(model);
  lm = BgGpt2.fromModel(model);
});

async function collect(
  text: string,
  settings = greedy,
  signal?: AbortSignal,
): Promise<{ text: string; deltas: string[]; end: SuggestionEnd }> {
  const deltas: string[] = [];
  const stream = streamSuggestion(suggestions, text, settings, signal);
  let step = await stream.next();
  while (!step.done) {
    deltas.push(step.value);
    step = await stream.next();
  }
  return { text: deltas.join(''), deltas, end: step.value };
}

describe('streamSuggestion (the worker’s generation, on onnxruntime-node)', () => {
  it('after a typed space, continues exactly as lm.stream of bg-gpt2 does', async () => {
    const prompt = 'Здравей, ';
    const { text } = await collect(prompt);
    let expected = '';
    for await (const delta of lm.stream(prompt, { maxNewTokens: 8, stop: ['\n'] })) {
      expected += delta;
    }
    expect(text).toBe(expected.split('\n')[0]);
    expect(text.startsWith(' ')).toBe(false);
  });

  it('inside a word, spells the word again as lm.complete does (token healing)', async () => {
    let compared = 0;
    for (const prompt of ['Здрав', 'Здравей,', 'Добро утро', 'Днес времето е хуба']) {
      const { text } = await collect(prompt, { ...greedy, maxNewTokens: 12 });
      const [best] = await lm.complete(prompt, {
        n: 1,
        numBeams: 1,
        maxWords: 3,
        maxNewTokens: 12,
      });
      if (best === undefined) continue; // no complete word within 12 tokens
      expect(text.startsWith(best.text)).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('says when it ran out of tokens, and counts them', async () => {
    const { end } = await collect('Здравей, ', { ...greedy, maxNewTokens: 3 });
    if (end.finishReason === 'length') expect(end.tokens).toBe(3);
    else expect(end.tokens).toBeLessThanOrEqual(3);
  });

  it('samples with a temperature, top-k and top-p', async () => {
    const { end } = await collect('Здравей, ', {
      maxNewTokens: 4,
      temperature: 0.9,
      topP: 0.92,
      topK: 20,
    });
    expect(end.tokens).toBeGreaterThan(0);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    const stream = streamSuggestion(
      suggestions,
      'Здравей, ',
      { ...greedy, maxNewTokens: 50 },
      controller.signal,
    );
    controller.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
