import { describe, expect, it } from 'vitest';
import {
  createGenerationContext,
  createRandom,
  generate,
  ProcessorChain,
  type Random,
  SamplerError,
  sampleToken,
  TemperatureProcessor,
  TopKProcessor,
  TopPProcessor,
} from '../src/index.js';
import { sampleNucleus } from '../src/selection/nucleus-sampling.js';
import { rowShapes } from './row-shapes.js';
import { ToyModel } from './toy-model.js';

// Top-p and the draw fused must draw from exactly the distribution of TopPProcessor.process
// followed by sampleToken: the same nucleus, renormalized — by the histogram method
// (sampleNucleus: p < 1/2, and engines without WebAssembly) and through TopPProcessor.sample
// (by rejection for p ≥ 1/2: see rejection-nucleus-sampling.test.ts). TopKProcessor's draws the
// very same token as process + sampleToken.

const inf = Number.NEGATIVE_INFINITY;
const context = createGenerationContext([0]);
const shapes = createRandom(77);

function rows(length: number): { name: string; logits: Float32Array }[] {
  return rowShapes(length, shapes);
}

/** The reference: the processed row's probabilities (float64), via TopPProcessor.process. */
function nucleusProbabilities(logits: Float32Array, topP: number): number[] {
  const processed = Float32Array.from(logits);
  new TopPProcessor(topP).process(processed);
  let maximum = inf;
  for (const value of processed) if (value > maximum) maximum = value;
  const weights = Array.from(processed, (value) => (value > inf ? Math.exp(value - maximum) : 0));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => weight / total);
}

/** A "random" stream that walks an even grid of [0, 1): draws become exact quantiles. */
function grid(points: number): Random {
  let next = 0;
  return { next: () => (next++ + 0.5) / points };
}

/** The histogram method, with the general path for the rows it leaves (as TopPProcessor did). */
function histogramSample(logits: Float32Array, topP: number, random: Random): number {
  const token = sampleNucleus(logits, topP, random);
  if (token >= 0) return token;
  const processed = Float32Array.from(logits);
  new TopPProcessor(topP).process(processed);
  return sampleToken(processed, random);
}

describe('top-p fused with the draw: the histogram method (sampleNucleus)', () => {
  // Each token owns one contiguous stretch of [0, 1), as long as its probability: over an even
  // grid of N points, it is drawn N·p times, give or take one.
  for (const length of [1, 7, 100, 3_001]) {
    for (const { name, logits } of rows(length)) {
      for (const topP of [0, 0.5, 0.92, 0.999]) {
        it(`${name} × ${length}, p = ${topP}: each id drawn N·p ± 1 times over a grid`, () => {
          const probabilities = nucleusProbabilities(logits, topP);
          const points = length > 1_000 ? 6_000 : 4_000;
          const random = grid(points);
          const counts = new Array(length).fill(0);
          for (let draw = 0; draw < points; draw++) {
            counts[histogramSample(logits, topP, random)]++;
          }
          for (let index = 0; index < length; index++) {
            const expected = points * probabilities[index];
            if (probabilities[index] === 0) expect(counts[index]).toBe(0);
            else expect(Math.abs(counts[index] - expected)).toBeLessThanOrEqual(1.5);
          }
        });
      }
    }
  }

  for (const { name, logits } of rows(50_257)) {
    for (const method of ['histogram', 'TopPProcessor.sample'] as const) {
      it(`${name} × 50 257, p = 0.92, ${method}: seeded draws stay in the nucleus and fit it (χ²)`, () => {
        const probabilities = nucleusProbabilities(logits, 0.92);
        // Ten buckets of equal reference mass, by id: χ² with 9 degrees of freedom.
        const bucketOf = new Int32Array(logits.length);
        let cumulative = 0;
        for (let index = 0; index < logits.length; index++) {
          bucketOf[index] = Math.min(9, Math.floor(cumulative * 10));
          cumulative += probabilities[index];
        }
        const bucketMass = new Array(10).fill(0);
        probabilities.forEach((p, index) => {
          bucketMass[bucketOf[index]] += p;
        });
        const processor = new TopPProcessor(0.92);
        const random = createRandom(31);
        const draws = name === 'constant' ? 200 : 2_000; // a row of ties takes the slow, general path
        const counts = new Array(10).fill(0);
        for (let draw = 0; draw < draws; draw++) {
          // A row of ties goes through process(), which writes the row: give each draw a copy.
          const token =
            method === 'histogram'
              ? histogramSample(logits, 0.92, random)
              : processor.sample(Float32Array.from(logits), context, random);
          expect(probabilities[token]).toBeGreaterThan(0);
          counts[bucketOf[token]]++;
        }
        let statistic = 0;
        bucketMass.forEach((mass, bucket) => {
          if (mass > 0) statistic += (counts[bucket] - draws * mass) ** 2 / (draws * mass);
        });
        expect(statistic).toBeLessThan(27.877); // χ²(9) at p = 0.001; the seed is fixed
      });
    }
  }

  it('reproduces a seed, leaving the logits unchanged', () => {
    const logits = rows(3_001)[0].logits;
    const copy = Float32Array.from(logits);
    const processor = new TopPProcessor(0.92);
    const first = createRandom(5);
    const second = createRandom(5);
    const draws = Array.from({ length: 40 }, () => processor.sample(logits, context, first));
    expect(Array.from({ length: 40 }, () => processor.sample(logits, context, second))).toEqual(
      draws,
    );
    expect(logits).toEqual(copy);
    // Golden, recorded once: the arithmetic is engine-independent, so this holds everywhere
    // (by rejection in WebAssembly SIMD; the histogram method where WebAssembly is missing).
    expect(draws.slice(0, 8)).toEqual(goldenDraws);
    const histogram = createRandom(5);
    expect(Array.from({ length: 8 }, () => histogramSample(logits, 0.92, histogram))).toEqual(
      goldenHistogramDraws,
    );
  });

  it('falls back to process + sampleToken for +Infinity, min tokens and p = 1', () => {
    const withInfinity = Float32Array.from([0, Number.POSITIVE_INFINITY, 2, 1]);
    expect(new TopPProcessor(0.5).sample(withInfinity, context, createRandom(1))).toBe(1);
    const logits = Float32Array.from([3, 2.9, -1, -2]);
    const keepThree = new TopPProcessor(0.1, { minTokensToKeep: 3 });
    const seen = new Set<number>();
    const random = createRandom(3);
    for (let draw = 0; draw < 2_000; draw++) {
      seen.add(keepThree.sample(Float32Array.from(logits), context, random));
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
    const disabled = new TopPProcessor(1);
    const replay = createRandom(9);
    expect(disabled.sample(logits, context, createRandom(9))).toBe(sampleToken(logits, replay));
  });

  it('throws ALL_TOKENS_REMOVED when nothing is left', () => {
    expect(() =>
      new TopPProcessor(0.9).sample(Float32Array.from([inf, Number.NaN]), context, createRandom(1)),
    ).toThrowError(SamplerError);
  });

  it('a chain ending in top-p draws through it; with logprobs the decoder processes the row', async () => {
    const logits = [0.3, 1.9, -0.4, 1.2, 0.8, -2.5, 1.5, 0.1];
    const model = new ToyModel(8, (_sequence, token) => logits[token]);
    const chain = new ProcessorChain([new TemperatureProcessor(0.7), new TopPProcessor(0.8)]);
    const processed = Float32Array.from(logits);
    chain.process(processed, context);
    const probabilities = nucleusProbabilities(processed, 1);
    for (const logprobs of [undefined, 2]) {
      const result = await generate(model, [0], {
        processor: chain,
        doSample: true,
        seed: 4,
        numReturnSequences: 20_000,
        maxNewTokens: 1,
        ...(logprobs === undefined ? {} : { logprobs }),
      });
      const counts = new Array(8).fill(0);
      for (const sequence of result.sequences) counts[sequence.tokens[0]]++;
      let statistic = 0;
      probabilities.forEach((p, index) => {
        if (p === 0) expect(counts[index]).toBe(0);
        else statistic += (counts[index] - 20_000 * p) ** 2 / (20_000 * p);
      });
      expect(statistic).toBeLessThan(20.515); // χ²(≤ 5) at p = 0.001
    }
  });
});

const goldenDraws = [1442, 2956, 2956, 781, 322, 947, 1492, 2762];
const goldenHistogramDraws = [2301, 1212, 462, 1051, 2762, 1546, 1051, 322];

describe('top-k fused with the draw (TopKProcessor.sample)', () => {
  it('draws exactly the token process + sampleToken draw from the same random numbers', () => {
    for (const length of [7, 100, 3_001, 50_257]) {
      for (const { name, logits } of rows(length)) {
        for (const topK of [1, 5, 50, 2_000]) {
          const processor = new TopKProcessor(topK);
          const fused = createRandom(11);
          const reference = createRandom(11);
          for (let draw = 0; draw < (length > 10_000 ? 3 : 12); draw++) {
            const untouched = Float32Array.from(logits);
            const token = processor.sample(untouched, context, fused);
            const processed = Float32Array.from(logits);
            processor.process(processed);
            expect(token, `${name} × ${length}, k = ${topK}`).toBe(
              sampleToken(processed, reference),
            );
            if (topK <= 1024) {
              // The row is not written.
              expect(untouched.every((value, index) => Object.is(value, logits[index]))).toBe(true);
            }
          }
        }
      }
    }
  });
});
