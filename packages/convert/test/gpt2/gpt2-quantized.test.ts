import { describe, expect, it } from 'vitest';
import { convertGpt2ToOnnx } from '../../src/convert-checkpoint.js';
import type { WeightDataType } from '../../src/quantization/weight-storage.js';
import {
  CachedDecoder,
  createSession,
  loadTinyGpt2,
  maxAbsoluteDifference,
  readReference,
} from './fixture-model.js';
import { compareLogits, logSoftmax } from './quality.js';

const reference = readReference('tiny-gpt2');
const { config, weights } = loadTinyGpt2();

/**
 * Bounds per storage type, on the tiny random-weight fixture (its logits are nearly flat, so
 * top-1 is fragile: the smallest top-2 gap on its greedy path is 0.0026). The figures measured
 * are printed by the test.
 */
const bounds: Record<
  Exclude<WeightDataType, 'fp32'>,
  { maxLogit: number; topOne: number; logProbability: number; perplexityRatio: number }
> = {
  fp16: { maxLogit: 2e-3, topOne: 0.97, logProbability: 2e-4, perplexityRatio: 1.001 },
  q8: { maxLogit: 5e-2, topOne: 0.9, logProbability: 5e-3, perplexityRatio: 1.01 },
  int8: { maxLogit: 1e-1, topOne: 0.85, logProbability: 1e-2, perplexityRatio: 1.02 },
  q4: { maxLogit: 0.3, topOne: 0.5, logProbability: 5e-2, perplexityRatio: 1.1 },
};

async function prefillLogits(
  dtype: WeightDataType,
  variant: 'optimized' | 'plain',
  keyValueOutputs: 'present' | 'new' = 'present',
) {
  const model = convertGpt2ToOnnx(weights, config, { dtype, variant, keyValueOutputs });
  const decoder = new CachedDecoder(await createSession(model.toBytes()), config);
  const expected: number[][] = [];
  const actual: number[][] = [];
  const next: number[] = [];
  for (const prompt of reference.prompts) {
    decoder.reset(1);
    const { logits } = await decoder.run(
      [prompt.input_ids],
      [prompt.input_ids.map((_, index) => index)],
    );
    expected.push(...prompt.prefill_logits);
    actual.push(...logits[0]!);
    next.push(...prompt.input_ids.slice(1), -1);
  }
  return { expected, actual, next, bytes: model.metadata.byteLength };
}

/**
 * Perplexity of the float32 model's own greedy continuation (the 40-token prompt, then the 20
 * tokens it generates): a sequence the model finds likely, scored position by position.
 */
async function continuationPerplexity(dtype: WeightDataType): Promise<number> {
  const model = convertGpt2ToOnnx(weights, config, { dtype });
  const decoder = new CachedDecoder(await createSession(model.toBytes()), config);
  const prompt = reference.prompts[1]!;
  const sequence = [...prompt.input_ids, ...prompt.greedy];
  decoder.reset(1);
  const { logits } = await decoder.run([sequence], [sequence.map((_, index) => index)]);
  let negativeLogLikelihood = 0;
  for (let index = 0; index < prompt.greedy.length; index++) {
    const position = prompt.input_ids.length - 1 + index;
    negativeLogLikelihood -= logSoftmax(logits[0]![position]!)[sequence[position + 1]!]!;
  }
  return Math.exp(negativeLogLikelihood / prompt.greedy.length);
}

describe('perplexity of the float32 model’s greedy continuation', () => {
  it('changes little under fp16, q8 and q4', async () => {
    const reference32 = await continuationPerplexity('fp32');
    const ratios: Record<string, number> = {};
    for (const dtype of ['fp16', 'q8', 'int8', 'q4'] as const) {
      ratios[dtype] = (await continuationPerplexity(dtype)) / reference32;
    }
    console.log(
      `greedy-continuation perplexity: fp32 ${reference32.toFixed(3)}; ratios ${Object.entries(
        ratios,
      )
        .map(([dtype, ratio]) => `${dtype} ${ratio.toFixed(4)}`)
        .join(', ')}`,
    );
    expect(Math.abs(ratios.fp16! - 1)).toBeLessThan(0.001);
    expect(Math.abs(ratios.q8! - 1)).toBeLessThan(0.02);
    expect(Math.abs(ratios.q4! - 1)).toBeLessThan(0.15);
  });
});

describe.each(['fp16', 'q8', 'int8', 'q4'] as const)('%s weights', (dtype) => {
  it.each([
    ['optimized', 'present'],
    ['plain', 'present'],
    ['optimized', 'new'],
  ] as const)(
    '%s graph, %s key/value outputs: logits close to the float32 reference',
    async (variant, keyValueOutputs) => {
      const { expected, actual, next } = await prefillLogits(dtype, variant, keyValueOutputs);
      const agreement = compareLogits(expected, actual, next);
      let largest = 0;
      expected.forEach((row, position) => {
        largest = Math.max(largest, maxAbsoluteDifference(row, actual[position]!));
      });
      console.log(
        `${dtype} ${variant} ${keyValueOutputs}: max |Δlogit| ${largest.toExponential(2)}, top-1 ${(100 * agreement.topOneAgreement).toFixed(1)}%, mean |Δlogprob| ${agreement.meanAbsoluteLogProbabilityChange.toExponential(2)}, KL ${agreement.meanKullbackLeibler.toExponential(2)}, perplexity ${agreement.referencePerplexity.toFixed(3)} → ${agreement.perplexity.toFixed(3)}`,
      );
      const bound = bounds[dtype];
      expect(largest).toBeLessThanOrEqual(bound.maxLogit);
      expect(agreement.topOneAgreement).toBeGreaterThanOrEqual(bound.topOne);
      expect(agreement.meanAbsoluteLogProbabilityChange).toBeLessThanOrEqual(bound.logProbability);
      expect(agreement.perplexity / agreement.referencePerplexity).toBeLessThanOrEqual(
        bound.perplexityRatio,
      );
    },
  );
});

describe('q4 embedding lookup by GatherBlockQuantized', () => {
  it('gives the logits of the plain-operator dequantization of the same table', async () => {
    const logitsOf = async (embeddingLookup: 'quantized' | 'GatherBlockQuantized') => {
      const model = convertGpt2ToOnnx(weights, config, {
        dtype: 'q4',
        keyValueOutputs: 'new',
        tuning: { embeddingLookup },
      });
      const decoder = new CachedDecoder(await createSession(model.toBytes()), config);
      const prompt = reference.prompts[1]!;
      decoder.reset(1);
      const { logits } = await decoder.run(
        [prompt.input_ids],
        [prompt.input_ids.map((_, index) => index)],
      );
      return logits[0]!;
    };
    const plain = await logitsOf('quantized');
    const gathered = await logitsOf('GatherBlockQuantized');
    expect(maxAbsoluteDifference(plain.flat(), gathered.flat())).toBeLessThan(1e-5);
  });
});
