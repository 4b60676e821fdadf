import { describe, expect, it } from 'vitest';
import {
  BadWordsProcessor,
  createGenerationContext,
  EpsilonProcessor,
  EtaProcessor,
  ForcedEosProcessor,
  FrequencyPenaltyProcessor,
  LogitBiasProcessor,
  LogSoftmaxProcessor,
  MinLengthProcessor,
  MinNewTokensProcessor,
  MinPProcessor,
  NoRepeatNGramProcessor,
  PresencePenaltyProcessor,
  ProcessorChain,
  RepetitionPenaltyProcessor,
  SamplerError,
  SequenceBiasProcessor,
  SuppressTokensProcessor,
  TemperatureProcessor,
  TopKProcessor,
  TopPProcessor,
  TypicalPProcessor,
} from '../src/index.js';
import { row } from './toy-model.js';

const inf = Number.NEGATIVE_INFINITY;
const none = createGenerationContext([0]);

/** Logits whose softmax is exactly proportional to `probabilities`. */
function fromProbabilities(...probabilities: number[]): Float32Array {
  return Float32Array.from(probabilities, Math.log);
}

/** The ids a filter kept (logit above -Infinity). */
function kept(logits: Float32Array): number[] {
  return [...logits.keys()].filter((index) => logits[index] > inf);
}

function processed(
  processor: {
    process(logits: Float32Array, context: ReturnType<typeof createGenerationContext>): void;
  },
  logits: Float32Array,
  context = none,
): Float32Array {
  const copy = Float32Array.from(logits);
  processor.process(copy, context);
  return copy;
}

function expectInvalid(make: () => unknown): void {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(SamplerError);
    expect((error as SamplerError).code).toBe('INVALID_ARGUMENT');
    return;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('TemperatureProcessor (HF TemperatureLogitsWarper)', () => {
  it('divides by the temperature', () => {
    expect([...processed(new TemperatureProcessor(0.5), row(1, 2, -3))]).toEqual([2, 4, -6]);
    expect([...processed(new TemperatureProcessor(2), row(1, 2, -3))]).toEqual([0.5, 1, -1.5]);
  });
  it('1 is a no-op', () => {
    const logits = row(0.1, 0.2, 0.3);
    expect(processed(new TemperatureProcessor(1), logits)).toEqual(logits);
  });
  it('0 is greedy: only the argmax (lowest id among ties) stays', () => {
    expect([...processed(new TemperatureProcessor(0), row(1, 2, -3))]).toEqual([inf, 2, inf]);
    expect([...processed(new TemperatureProcessor(0), row(3, 1, 3))]).toEqual([3, inf, inf]);
  });
  it('rejects negative and non-numbers', () => {
    expectInvalid(() => new TemperatureProcessor(-0.1));
    expectInvalid(() => new TemperatureProcessor(Number.NaN));
    expectInvalid(() => new TemperatureProcessor(Number.POSITIVE_INFINITY));
  });
});

describe('TopKProcessor (HF TopKLogitsWarper)', () => {
  it('keeps every token at least as large as the k-th', () => {
    expect([...processed(new TopKProcessor(2), row(1, 5, 3, 5, 2))]).toEqual([inf, 5, inf, 5, inf]);
    expect([...processed(new TopKProcessor(3), row(1, 5, 3, 5, 2))]).toEqual([inf, 5, 3, 5, inf]);
    // Ties with the k-th are kept (scores < kth value are removed).
    expect(kept(processed(new TopKProcessor(2), row(4, 4, 4, 1)))).toEqual([0, 1, 2]);
  });
  it('0 disables it; k ≥ vocabulary keeps everything', () => {
    expect(kept(processed(new TopKProcessor(0), row(1, 2, 3)))).toEqual([0, 1, 2]);
    expect(kept(processed(new TopKProcessor(7), row(1, 2, 3)))).toEqual([0, 1, 2]);
  });
  it('keeps max(k, minTokensToKeep)', () => {
    expect(
      kept(processed(new TopKProcessor(2, { minTokensToKeep: 4 }), row(1, 5, 3, 5, 2))),
    ).toEqual([1, 2, 3, 4]);
  });
  it('ignores removed tokens', () => {
    expect(kept(processed(new TopKProcessor(2), row(inf, 1, inf, 3, 2)))).toEqual([3, 4]);
  });
  it('rejects bad values', () => {
    expectInvalid(() => new TopKProcessor(-1));
    expectInvalid(() => new TopKProcessor(1.5));
    expectInvalid(() => new TopKProcessor(3, { minTokensToKeep: 0 }));
  });
});

describe('TopPProcessor (HF TopPLogitsWarper)', () => {
  // p = [0.1, 0.5, 0.15, 0.25]; ascending: 0.1 (id 0), 0.15 (id 2), 0.25 (id 3), 0.5 (id 1);
  // cumulative 0.1, 0.25, 0.5, 1.0; removed while cumulative ≤ 1 − top_p.
  const logits = fromProbabilities(0.1, 0.5, 0.15, 0.25);
  it('removes the least likely tokens whose mass stays within 1 − p', () => {
    expect(kept(processed(new TopPProcessor(0.8), logits))).toEqual([1, 2, 3]); // 0.1 ≤ 0.2
    expect(kept(processed(new TopPProcessor(0.7), logits))).toEqual([1, 3]); // 0.25 ≤ 0.3
    expect(kept(processed(new TopPProcessor(0.4), logits))).toEqual([1]); // 0.5 ≤ 0.6
  });
  it('keeps the kept logits unchanged', () => {
    const result = processed(new TopPProcessor(0.7), logits);
    expect(result[1]).toBe(logits[1]);
    expect(result[3]).toBe(logits[3]);
  });
  it('1 disables it; 0 keeps the top minTokensToKeep', () => {
    expect(kept(processed(new TopPProcessor(1), logits))).toEqual([0, 1, 2, 3]);
    expect(kept(processed(new TopPProcessor(0), logits))).toEqual([1]);
    expect(kept(processed(new TopPProcessor(0, { minTokensToKeep: 2 }), logits))).toEqual([1, 3]);
    expect(kept(processed(new TopPProcessor(0.4, { minTokensToKeep: 3 }), logits))).toEqual([
      1, 2, 3,
    ]);
  });
  it('takes equal tokens at the boundary lower id first', () => {
    // Four equal tokens: p = 0.5 needs two of them.
    expect(kept(processed(new TopPProcessor(0.5), row(0, 0, 0, 0)))).toEqual([0, 1]);
  });
  it('rejects p outside [0, 1]', () => {
    expectInvalid(() => new TopPProcessor(1.01));
    expectInvalid(() => new TopPProcessor(-0.01));
  });
});

describe('MinPProcessor (HF MinPLogitsWarper)', () => {
  const logits = fromProbabilities(0.5, 0.3, 0.15, 0.05);
  it('removes tokens below min_p × p_max', () => {
    expect(kept(processed(new MinPProcessor(0.2), logits))).toEqual([0, 1, 2]); // < 0.1
    expect(kept(processed(new MinPProcessor(0.5), logits))).toEqual([0, 1]); // < 0.25
    expect(kept(processed(new MinPProcessor(0), logits))).toEqual([0, 1, 2, 3]);
    expect(kept(processed(new MinPProcessor(1), logits))).toEqual([0]);
  });
  it('keeps minTokensToKeep', () => {
    expect(kept(processed(new MinPProcessor(0.5, { minTokensToKeep: 3 }), logits))).toEqual([
      0, 1, 2,
    ]);
  });
});

describe('TypicalPProcessor (HF TypicalLogitsWarper)', () => {
  // p = [0.5, 0.3, 0.15, 0.05]: H = −Σ p ln p ≈ 1.14212; |−ln p − H| ≈ [0.449, 0.062, 0.755,
  // 1.854], so the typical order is ids 1, 0, 2, 3 with cumulative mass 0.3, 0.8, 0.95, 1.
  const probabilities = [0.5, 0.3, 0.15, 0.05];
  const logits = fromProbabilities(...probabilities);
  it('orders by |−log p − H| (checked against the formula)', () => {
    const entropy = -probabilities.reduce((sum, p) => sum + p * Math.log(p), 0);
    expect(entropy).toBeCloseTo(1.14212, 4);
    const distance = probabilities.map((p) => Math.abs(-Math.log(p) - entropy));
    expect([0, 1, 2, 3].sort((a, b) => distance[a] - distance[b])).toEqual([1, 0, 2, 3]);
  });
  it('keeps the most typical tokens up to the mass', () => {
    expect(kept(processed(new TypicalPProcessor(0.5), logits))).toEqual([0, 1]); // 0.3 < 0.5 ≤ 0.8
    expect(kept(processed(new TypicalPProcessor(0.2), logits))).toEqual([1]); // the likeliest removed
    expect(kept(processed(new TypicalPProcessor(0.9), logits))).toEqual([0, 1, 2]);
    expect(kept(processed(new TypicalPProcessor(1), logits))).toEqual([0, 1, 2, 3]);
  });
  it('keeps minTokensToKeep in typical order', () => {
    expect(kept(processed(new TypicalPProcessor(0.2, { minTokensToKeep: 2 }), logits))).toEqual([
      0, 1,
    ]);
  });
  it('rejects 0', () => {
    expectInvalid(() => new TypicalPProcessor(0));
  });
});

describe('EpsilonProcessor (HF EpsilonLogitsWarper)', () => {
  const logits = fromProbabilities(0.5, 0.3, 0.15, 0.05);
  it('removes tokens with p < epsilon, keeping the top minTokensToKeep', () => {
    expect(kept(processed(new EpsilonProcessor(0.1), logits))).toEqual([0, 1, 2]);
    expect(kept(processed(new EpsilonProcessor(0.2), logits))).toEqual([0, 1]);
    expect(kept(processed(new EpsilonProcessor(0.6), logits))).toEqual([0]);
    expect(kept(processed(new EpsilonProcessor(0.6, { minTokensToKeep: 2 }), logits))).toEqual([
      0, 1,
    ]);
    expect(kept(processed(new EpsilonProcessor(0), logits))).toEqual([0, 1, 2, 3]);
  });
  it('rejects 1', () => {
    expectInvalid(() => new EpsilonProcessor(1));
  });
});

describe('EtaProcessor (HF EtaLogitsWarper)', () => {
  const probabilities = [0.5, 0.3, 0.15, 0.05];
  const logits = fromProbabilities(...probabilities);
  const entropy = -probabilities.reduce((sum, p) => sum + p * Math.log(p), 0);
  const eta = (epsilon: number) => Math.min(epsilon, Math.sqrt(epsilon) * Math.exp(-entropy));
  it('cuts at min(ε, √ε · e^−H)', () => {
    expect(eta(0.1)).toBeCloseTo(0.1, 10); // √0.1 · 0.31914 ≈ 0.1009 > 0.1
    expect(eta(0.2)).toBeCloseTo(0.14273, 4);
    expect(eta(0.3)).toBeCloseTo(0.1748, 4);
    expect(kept(processed(new EtaProcessor(0.1), logits))).toEqual([0, 1, 2]);
    expect(kept(processed(new EtaProcessor(0.2), logits))).toEqual([0, 1, 2]); // 0.15 > 0.1427
    expect(kept(processed(new EtaProcessor(0.3), logits))).toEqual([0, 1]); // 0.15 < 0.1748
    expect(kept(processed(new EtaProcessor(0.9, { minTokensToKeep: 3 }), logits))).toEqual([
      0, 1, 2,
    ]);
  });
});

describe('RepetitionPenaltyProcessor (HF RepetitionPenaltyLogitsProcessor)', () => {
  it('divides positive and multiplies negative logits of seen tokens, once each', () => {
    const context = createGenerationContext([0, 1, 1, 3], 4);
    expect([
      ...processed(new RepetitionPenaltyProcessor(2), row(2, -1, 0.5, -3, 4), context),
    ]).toEqual([1, -2, 0.5, -6, 4]);
  });
  it('can ignore the prompt', () => {
    const context = createGenerationContext([0, 1, 1, 3], 2); // generated: 1, 3
    const processor = new RepetitionPenaltyProcessor(2, { includePrompt: false });
    expect([...processed(processor, row(2, -1, 0.5, -3, 4), context)]).toEqual([2, -2, 0.5, -6, 4]);
  });
  it('below 1 rewards repetition; 1 is a no-op', () => {
    const context = createGenerationContext([0, 1], 2);
    expect([...processed(new RepetitionPenaltyProcessor(0.5), row(2, -1, 1), context)]).toEqual([
      4, -0.5, 1,
    ]);
    expect([...processed(new RepetitionPenaltyProcessor(1), row(2, -1, 1), context)]).toEqual([
      2, -1, 1,
    ]);
  });
  it('rejects 0', () => {
    expectInvalid(() => new RepetitionPenaltyProcessor(0));
  });
});

describe('presence and frequency penalties (OpenAI)', () => {
  const context = createGenerationContext([0, 1, 2, 2, 3], 2); // generated: 2, 2, 3
  it('presence subtracts once per generated token', () => {
    expect([...processed(new PresencePenaltyProcessor(0.5), row(1, 1, 1, 1), context)]).toEqual([
      1, 1, 0.5, 0.5,
    ]);
  });
  it('frequency subtracts once per occurrence', () => {
    expect([...processed(new FrequencyPenaltyProcessor(0.5), row(1, 1, 1, 1), context)]).toEqual([
      1, 1, 0, 0.5,
    ]);
  });
  it('can count the prompt too', () => {
    const processor = new FrequencyPenaltyProcessor(1, { includePrompt: true });
    expect([...processed(processor, row(1, 1, 1, 1), context)]).toEqual([0, 0, -1, 0]);
  });
});

describe('NoRepeatNGramProcessor (HF NoRepeatNGramLogitsProcessor)', () => {
  const logits = row(0, 0, 0, 0, 0);
  it('bans the token that would repeat an n-gram', () => {
    // bigrams of [1, 2, 3, 1]: (1,2) (2,3) (3,1); the suffix (1) was followed by 2.
    expect(
      kept(processed(new NoRepeatNGramProcessor(2), logits, createGenerationContext([1, 2, 3, 1]))),
    ).toEqual([0, 1, 3, 4]);
    // trigrams of [1, 2, 3, 1, 2]: the suffix (1, 2) was followed by 3.
    expect(
      kept(
        processed(new NoRepeatNGramProcessor(3), logits, createGenerationContext([1, 2, 3, 1, 2])),
      ),
    ).toEqual([0, 1, 2, 4]);
    // every occurrence counts
    expect(
      kept(
        processed(new NoRepeatNGramProcessor(2), logits, createGenerationContext([1, 2, 1, 4, 1])),
      ),
    ).toEqual([0, 1, 3]);
  });
  it('size 1 bans every seen token; short contexts and 0 ban nothing', () => {
    expect(
      kept(processed(new NoRepeatNGramProcessor(1), logits, createGenerationContext([1, 3]))),
    ).toEqual([0, 2, 4]);
    expect(
      kept(processed(new NoRepeatNGramProcessor(3), logits, createGenerationContext([1, 1]))),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(
      kept(processed(new NoRepeatNGramProcessor(0), logits, createGenerationContext([1, 1]))),
    ).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('bad words and sequence bias (HF NoBadWordsLogitsProcessor / SequenceBiasLogitsProcessor)', () => {
  const logits = row(0, 0, 0, 0, 0, 0);
  it('bans one-token words always and longer words when their prefix was just generated', () => {
    const processor = new BadWordsProcessor([[3], [1, 2], [0, 1, 4]]);
    expect(kept(processed(processor, logits, createGenerationContext([5, 1])))).toEqual([
      0, 1, 4, 5,
    ]);
    expect(kept(processed(processor, logits, createGenerationContext([5, 0, 1])))).toEqual([
      0, 1, 5,
    ]);
  });
  it('never bans a one-token end-of-sequence word', () => {
    const processor = new BadWordsProcessor([[5], [4]], { eosTokenIds: 5 });
    expect(kept(processed(processor, logits))).toEqual([0, 1, 2, 3, 5]);
  });
  it('skips a sequence longer than the context, as Hugging Face', () => {
    expect(
      kept(processed(new BadWordsProcessor([[1, 2]]), logits, createGenerationContext([1]))),
    ).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('adds biases, summing those that end in the same token', () => {
    const processor = new SequenceBiasProcessor([
      [[1], 2.5],
      [[0, 2], -1],
      [[4, 0, 2], -0.5],
      [[3, 2], 7],
    ]);
    expect([...processed(processor, logits, createGenerationContext([5, 4, 0]))]).toEqual([
      0, 2.5, -1.5, 0, 0, 0,
    ]);
    // A sequence longer than the context is skipped (Hugging Face), even if its prefix matches.
    expect([...processed(processor, logits, createGenerationContext([4, 0]))]).toEqual([
      0, 2.5, -1, 0, 0, 0,
    ]);
  });
  it('rejects ids outside the vocabulary at the first step', () => {
    expect(() => processed(new SequenceBiasProcessor([[[9], 1]]), logits)).toThrowError(
      SamplerError,
    );
    expectInvalid(() => new BadWordsProcessor([[]]));
  });
});

describe('suppressed tokens and logit bias', () => {
  it('suppresses ids (outside ids ignored), optionally only at the first step', () => {
    const logits = row(1, 2, 3, 4);
    expect(kept(processed(new SuppressTokensProcessor([1, 3, 99]), logits))).toEqual([0, 2]);
    const atBegin = new SuppressTokensProcessor([0], { firstStepOnly: true });
    expect(kept(processed(atBegin, logits, createGenerationContext([7], 1)))).toEqual([1, 2, 3]);
    expect(kept(processed(atBegin, logits, createGenerationContext([7, 1], 1)))).toEqual([
      0, 1, 2, 3,
    ]);
  });
  it('adds a bias per id, from a Map, pairs or an OpenAI-style object', () => {
    const logits = row(1, 1, 1, 1);
    for (const bias of [
      new Map([
        [1, 2],
        [3, -100],
      ]),
      [
        [1, 2],
        [3, -100],
      ] as [number, number][],
      { 1: 2, '3': -100 },
    ]) {
      expect([...processed(new LogitBiasProcessor(bias), logits)]).toEqual([1, 3, 1, -99]);
    }
    expect(() => processed(new LogitBiasProcessor({ 7: 1 }), logits)).toThrowError(SamplerError);
    expectInvalid(() => new LogitBiasProcessor({ 1: Number.NaN }));
  });
});

describe('length constraints (HF MinNewTokens / MinLength / ForcedEOS)', () => {
  const logits = row(1, 2, 3, 4, 5);
  it('holds end-of-sequence back until minNewTokens', () => {
    const processor = new MinNewTokensProcessor(2, { eosTokenIds: 4 });
    expect(kept(processed(processor, logits, createGenerationContext([0, 0, 1], 2)))).toEqual([
      0, 1, 2, 3,
    ]);
    expect(kept(processed(processor, logits, createGenerationContext([0, 0, 1, 2], 2)))).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });
  it('holds every end-of-sequence id back until minLength (prompt included)', () => {
    const processor = new MinLengthProcessor(5, { eosTokenIds: [3, 4] });
    expect(kept(processed(processor, logits, createGenerationContext([0, 0, 1, 2], 2)))).toEqual([
      0, 1, 2,
    ]);
    expect(kept(processed(processor, logits, createGenerationContext([0, 0, 1, 2, 1], 2)))).toEqual(
      [0, 1, 2, 3, 4],
    );
  });
  it('forces end-of-sequence as the last allowed token', () => {
    const byLength = new ForcedEosProcessor({ maxLength: 5, eosTokenIds: 2 });
    expect([...processed(byLength, logits, createGenerationContext([0, 0, 1, 2], 2))]).toEqual([
      inf,
      inf,
      0,
      inf,
      inf,
    ]);
    expect([...processed(byLength, logits, createGenerationContext([0, 0, 1], 2))]).toEqual([
      1, 2, 3, 4, 5,
    ]);
    const byNew = new ForcedEosProcessor({ maxNewTokens: 3, eosTokenIds: [2, 4] });
    expect([...processed(byNew, logits, createGenerationContext([0, 0, 1, 2], 2))]).toEqual([
      inf,
      inf,
      0,
      inf,
      0,
    ]);
    expectInvalid(() => new ForcedEosProcessor({ eosTokenIds: 2 }));
    expectInvalid(() => new ForcedEosProcessor({ eosTokenIds: 2, maxLength: 3, maxNewTokens: 2 }));
  });
});

describe('ProcessorChain', () => {
  it('applies processors in order, and nests', () => {
    const logits = row(1, 4, 2, 3);
    // top-k 2 after temperature 0.5: [2, 8, 4, 6] → keep 8 and 6.
    const chain = new ProcessorChain([new TemperatureProcessor(0.5), new TopKProcessor(2)]);
    expect([...processed(chain, logits)]).toEqual([inf, 8, inf, 6]);
    const nested = new ProcessorChain([
      new ProcessorChain([new SuppressTokensProcessor([1])]),
      chain,
    ]);
    expect([...processed(nested, logits)]).toEqual([inf, inf, 4, 6]);
    expect(nested.processors).toHaveLength(2);
    expect([...processed(new ProcessorChain(), logits)]).toEqual([1, 4, 2, 3]);
  });
  it('LogSoftmaxProcessor renormalizes', () => {
    const result = processed(new LogSoftmaxProcessor(), row(1, 2, inf, 3));
    expect(result[2]).toBe(inf);
    expect(Math.exp(result[0]) + Math.exp(result[1]) + Math.exp(result[3])).toBeCloseTo(1, 6);
  });
});
