import { describe, expect, it } from 'vitest';
import {
  argmax,
  createRandom,
  type GenerateOptions,
  generate,
  generateStream,
  isBgGpt2Error,
  ProcessorChain,
  RepetitionPenaltyProcessor,
  SamplerError,
  type StepModel,
  TemperatureProcessor,
  TopKProcessor,
} from '../src/index.js';
import { referenceLogSoftmax, ToyModel } from './toy-model.js';

const prompt = [2, 0, 5];

async function rejection(promise: Promise<unknown>): Promise<SamplerError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SamplerError);
    return error as SamplerError;
  }
  throw new Error('expected a rejection');
}

function thrown(run: () => unknown): SamplerError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SamplerError);
    return error as SamplerError;
  }
  throw new Error('expected an error');
}

describe('greedy decoding on the toy model', () => {
  it('follows the argmax of each step, prompt excluded from the result', async () => {
    const model = new ToyModel();
    const result = await generate(model, prompt, { maxNewTokens: 6 });
    const expected: number[] = [];
    for (let step = 0; step < 6; step++)
      expected.push(argmax(model.logits([...prompt, ...expected])));
    expect(result.tokens).toEqual(expected);
    expect(result.finishReason).toBe('length');
    expect(result.sequences).toHaveLength(1);
    expect(model.calls).toEqual([
      'prefill 1×3',
      ...expected.slice(0, 5).map((token) => `step ${token}`),
    ]);
  });

  it('applies the processors with the live context', async () => {
    const model = new ToyModel();
    const penalty = new RepetitionPenaltyProcessor(5);
    const result = await generate(model, prompt, { maxNewTokens: 8, processor: penalty });
    const expected: number[] = [];
    for (let step = 0; step < 8; step++) {
      const sequence = [...prompt, ...expected];
      const logits = model.logits(sequence);
      penalty.process(logits, { tokens: sequence, promptLength: 3, generatedCount: step });
      expected.push(argmax(logits));
    }
    expect(result.tokens).toEqual(expected);
  });

  it('maxLength counts the prompt; maxNewTokens wins; 0 calls nothing', async () => {
    expect((await generate(new ToyModel(), prompt, { maxLength: 5 })).tokens).toHaveLength(2);
    expect(
      (await generate(new ToyModel(), prompt, { maxLength: 5, maxNewTokens: 4 })).tokens,
    ).toHaveLength(4);
    const idle = new ToyModel();
    expect(await generate(idle, prompt, { maxNewTokens: 0 })).toEqual({
      tokens: [],
      finishReason: 'length',
      sequences: [{ tokens: [], finishReason: 'length' }],
    });
    expect((await generate(idle, prompt, { maxLength: 2 })).tokens).toEqual([]);
    expect(idle.calls).toEqual([]);
  });
});

describe('seeded sampling', () => {
  const options: GenerateOptions = {
    doSample: true,
    processor: new ProcessorChain([new TemperatureProcessor(1.3), new TopKProcessor(4)]),
    maxNewTokens: 30,
  };

  it('the same seed gives the same tokens; a Random object works the same', async () => {
    const first = await generate(new ToyModel(), prompt, { ...options, seed: 7 });
    const second = await generate(new ToyModel(), prompt, { ...options, seed: 7 });
    const injected = await generate(new ToyModel(), prompt, {
      ...options,
      random: createRandom(7),
    });
    expect(second.tokens).toEqual(first.tokens);
    expect(injected.tokens).toEqual(first.tokens);
    const other = await generate(new ToyModel(), prompt, { ...options, seed: 8 });
    expect(other.tokens).not.toEqual(first.tokens);
    // Golden (engine-independent arithmetic): guards the whole seeded path against drift.
    expect(first.tokens.slice(0, 10)).toEqual([2, 5, 4, 2, 2, 0, 4, 4, 5, 1]);
  });

  it('several sequences are independent rows; finished rows are fed the pad id', async () => {
    const model = new ToyModel();
    const result = await generate(model, prompt, {
      ...options,
      seed: 12,
      numReturnSequences: 4,
      maxNewTokens: 12,
      eosTokenIds: 1,
      padTokenId: 5,
    });
    expect(result.sequences).toHaveLength(4);
    expect(model.calls[0]).toBe('prefill 4×3');
    for (const sequence of result.sequences) {
      const end = sequence.tokens.indexOf(1);
      if (end >= 0) {
        expect(sequence.finishReason).toBe('eos');
        expect(end).toBe(sequence.tokens.length - 1);
      } else {
        expect(sequence.tokens).toHaveLength(12);
      }
    }
    // Every row after its end-of-sequence got the pad id 5 in the model.
    // (The model saw each row's tokens but the very last step's.)
    let padded = 0;
    result.sequences.forEach((sequence, index) => {
      const fed = model.rows[index].slice(3);
      const own = Math.min(fed.length, sequence.tokens.length);
      expect(fed.slice(0, own)).toEqual(sequence.tokens.slice(0, own));
      for (const token of fed.slice(own)) expect(token).toBe(5);
      padded += fed.length - own;
    });
    expect(padded).toBeGreaterThan(0);
  });
});

describe('stopping criteria', () => {
  // A model that likes token 3 only after four generated tokens.
  const eosAfterFour = () =>
    new ToyModel(6, (sequence, token) =>
      token === 3 ? (sequence.length >= 7 ? 9 : -9) : (sequence.length * 7 + token * 3) % 5,
    );

  it('ends at an end-of-sequence id, which is kept', async () => {
    const result = await generate(eosAfterFour(), prompt, { maxNewTokens: 20, eosTokenIds: 3 });
    expect(result.tokens).toHaveLength(5);
    expect(result.tokens[4]).toBe(3);
    expect(result.finishReason).toBe('eos');
    const several = await generate(eosAfterFour(), prompt, {
      maxNewTokens: 20,
      eosTokenIds: [5, 3],
    });
    expect(several.finishReason).toBe('eos');
  });

  it('ends after a stop sequence (generated tokens only), which is kept', async () => {
    const free = await generate(new ToyModel(), prompt, { maxNewTokens: 10 });
    const stop = free.tokens.slice(3, 5);
    const firstAt = free.tokens.findIndex(
      (_, index) =>
        index >= 1 && free.tokens[index - 1] === stop[0] && free.tokens[index] === stop[1],
    );
    const result = await generate(new ToyModel(), prompt, {
      maxNewTokens: 10,
      stopSequences: [[9, 9], stop],
    });
    expect(result.finishReason).toBe('stop-sequence');
    expect(result.tokens).toEqual(free.tokens.slice(0, firstAt + 1));
    // The prompt does not count: a stop sequence equal to the prompt's end never fires at once.
    const notYet = await generate(new ToyModel(), prompt, {
      maxNewTokens: 3,
      stopSequences: [[5]],
    });
    expect(notYet.tokens).toEqual(
      free.tokens.slice(0, free.tokens.slice(0, 3).includes(5) ? free.tokens.indexOf(5) + 1 : 3),
    );
  });

  it('an AbortSignal rejects with ABORTED between steps', async () => {
    const before = new AbortController();
    before.abort(new Error('user left'));
    const idle = new ToyModel();
    const error = await rejection(
      generate(idle, prompt, { maxNewTokens: 5, signal: before.signal }),
    );
    expect(error.code).toBe('ABORTED');
    expect((error.cause as Error).message).toBe('user left');
    expect(idle.calls).toEqual([]);

    const during = new AbortController();
    const model = new ToyModel();
    const step = model.step.bind(model);
    model.step = async (tokens) => {
      if (model.calls.length === 3) during.abort();
      return step(tokens);
    };
    const late = await rejection(
      generate(model, prompt, { maxNewTokens: 50, signal: during.signal }),
    );
    expect(late.code).toBe('ABORTED');
    expect(isBgGpt2Error(late, 'ABORTED')).toBe(true);
    expect(model.calls).toHaveLength(4); // the call in flight finished; nothing after it
  });
});

describe('generateStream', () => {
  it('yields the same tokens as generate, and returns the result', async () => {
    const expected = await generate(new ToyModel(), prompt, { maxNewTokens: 7, logprobs: 2 });
    const stream = generateStream(new ToyModel(), prompt, { maxNewTokens: 7, logprobs: 2 });
    const tokens: number[] = [];
    let next = await stream.next();
    while (!next.done) {
      tokens.push(next.value);
      next = await stream.next();
    }
    expect(tokens).toEqual(expected.tokens);
    expect(next.value).toEqual(expected);
  });

  it('stops calling the model when the consumer breaks', async () => {
    const model = new ToyModel();
    const seen: number[] = [];
    for await (const token of generateStream(model, prompt, { maxNewTokens: 100 })) {
      seen.push(token);
      if (seen.length === 3) break;
    }
    expect(model.calls).toHaveLength(3); // prefill + 2 steps
  });

  it('throws ABORTED after the tokens already delivered', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const token of generateStream(new ToyModel(), prompt, {
        maxNewTokens: 100,
        signal: controller.signal,
      })) {
        seen.push(token);
        if (seen.length === 4) controller.abort();
      }
    } catch (error) {
      caught = error;
    }
    expect(seen).toHaveLength(4);
    expect((caught as SamplerError).code).toBe('ABORTED');
  });

  it('refuses beam search and several sequences at once', () => {
    expect(
      thrown(() => generateStream(new ToyModel(), prompt, { maxNewTokens: 3, numBeams: 2 })).code,
    ).toBe('INVALID_ARGUMENT');
    expect(
      thrown(() =>
        generateStream(new ToyModel(), prompt, {
          maxNewTokens: 3,
          doSample: true,
          numReturnSequences: 2,
        }),
      ).code,
    ).toBe('INVALID_ARGUMENT');
  });
});

describe('per-step log-probabilities', () => {
  it('are the log-softmax of the processed logits, and sum to one', async () => {
    const model = new ToyModel();
    const processor = new TemperatureProcessor(0.5);
    const result = await generate(model, prompt, { maxNewTokens: 4, processor, logprobs: 6 });
    const steps = result.sequences[0].logprobs ?? [];
    expect(steps).toHaveLength(4);
    steps.forEach((step, index) => {
      const sequence = [...prompt, ...result.tokens.slice(0, index)];
      const logits = model.logits(sequence);
      processor.process(logits);
      const reference = referenceLogSoftmax(logits);
      expect(step.token).toBe(result.tokens[index]);
      expect(step.logprob).toBeCloseTo(reference[step.token], 5);
      expect(step.top[0].token).toBe(step.token); // greedy picks the most likely
      expect(step.top.reduce((sum, entry) => sum + Math.exp(entry.logprob), 0)).toBeCloseTo(1, 5);
    });
    const chosenOnly = await generate(new ToyModel(), prompt, { maxNewTokens: 2, logprobs: true });
    expect(chosenOnly.sequences[0].logprobs?.[0].top).toEqual([]);
  });
});

describe('argument and model checks', () => {
  it('rejects bad options before calling the model', async () => {
    const model = new ToyModel();
    const cases: GenerateOptions[] = [
      {},
      { maxNewTokens: -1 },
      { maxNewTokens: 1.5 },
      { maxNewTokens: 3, numReturnSequences: 2 },
      { maxNewTokens: 3, numBeams: 2, doSample: true },
      { maxNewTokens: 3, numBeams: 2, numReturnSequences: 3 },
      { maxNewTokens: Number.POSITIVE_INFINITY, numBeams: 2 },
      { maxNewTokens: 3, seed: 1, random: createRandom(1) },
      { maxNewTokens: 3, eosTokenIds: 99 },
      { maxNewTokens: 3, earlyStopping: 'sometimes' as unknown as boolean },
      { maxNewTokens: 3, logprobs: -1 },
      { maxNewTokens: 3, processor: {} as never },
    ];
    for (const options of cases) {
      expect(
        (await rejection(generate(model, prompt, options))).code,
        JSON.stringify(options),
      ).toBe('INVALID_ARGUMENT');
    }
    expect((await rejection(generate(model, [], { maxNewTokens: 1 }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect((await rejection(generate(model, [0, 6], { maxNewTokens: 1 }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(model.calls).toEqual([]);
  });

  it('reports logits of the wrong size', async () => {
    const broken: StepModel = {
      vocabularySize: 6,
      prefill: async () => new Float32Array(5),
      step: async () => new Float32Array(6),
    };
    expect((await rejection(generate(broken, prompt, { maxNewTokens: 2 }))).code).toBe(
      'MODEL_OUTPUT_INVALID',
    );
  });

  it('reports a row with no token left', async () => {
    const closed: StepModel = {
      vocabularySize: 3,
      prefill: async () =>
        Float32Array.of(
          Number.NEGATIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
        ),
      step: async () => new Float32Array(3),
    };
    expect((await rejection(generate(closed, [0], { maxNewTokens: 2 }))).code).toBe(
      'ALL_TOKENS_REMOVED',
    );
  });
});
