import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGenerationContext,
  createRandom,
  type Random,
  SamplerError,
  TopPProcessor,
} from '../src/index.js';
import { NucleusKernels } from '../src/selection/nucleus-kernels.js';
import {
  decidableMargin,
  keptByWeights,
  sampleNucleusByRejection,
} from '../src/selection/rejection-nucleus-sampling.js';
import { rowShapes } from './row-shapes.js';

// Nucleus sampling by rejection: the WebAssembly kernels against float64 references, the
// acceptance rule against TopPProcessor.process's nucleus for every token, and the draws.

const inf = Number.NEGATIVE_INFINITY;
const context = createGenerationContext([0]);
const shapes = createRandom(123);
const kernels = NucleusKernels.create() as NucleusKernels;

function rows(length: number): { name: string; logits: Float32Array }[] {
  return rowShapes(length, shapes);
}

/** Loads `logits` into the kernels; its largest value. */
function loadRow(logits: Float32Array): number {
  const maximum = kernels.load(logits);
  if (maximum === undefined) throw new Error('the kernels could not hold the row');
  return maximum;
}

/** Float64 weights exp(logit − maximum) (0 for -Infinity and NaN), and the maximum. */
function referenceWeights(logits: Float32Array): { weights: number[]; maximum: number } {
  let maximum = inf;
  for (const value of logits) if (value > maximum) maximum = value;
  const weights = Array.from(logits, (value) => (value > inf ? Math.exp(value - maximum) : 0));
  return { weights, maximum };
}

/** Whether TopPProcessor.process keeps each id. */
function processKeeps(logits: Float32Array, topP: number): boolean[] {
  const processed = Float32Array.from(logits);
  new TopPProcessor(topP).process(processed);
  return Array.from(processed, (value) => value > inf);
}

describe('nucleus kernels (WebAssembly SIMD)', () => {
  it('are available in Node', () => {
    expect(kernels).toBeInstanceOf(NucleusKernels);
  });

  for (const length of [1, 7, 100, 3_001, 50_257]) {
    for (const { name, logits } of rows(length)) {
      it(`${name} × ${length}: the maximum, the total and the mass above ids match float64`, () => {
        const { weights, maximum } = referenceWeights(logits);
        expect(kernels.load(logits)).toBe(maximum);
        const total = kernels.exponentials(maximum);
        const referenceTotal = weights.reduce((sum, weight) => sum + weight, 0);
        expect(Math.abs(total - referenceTotal)).toBeLessThanOrEqual(1e-6 * referenceTotal);
        for (const id of [0, length >> 1, length - 1]) {
          if (!(logits[id] > inf)) continue;
          let above = 0;
          weights.forEach((weight, other) => {
            if (logits[other] > logits[id] || (logits[other] === logits[id] && other < id)) {
              above += weight;
            }
          });
          expect(Math.abs(kernels.massAbove(id) - above)).toBeLessThanOrEqual(
            1e-6 * referenceTotal,
          );
        }
      });
    }
  }

  it('weigh every entry within 1e-6 of exp; 0 below −87, for -Infinity and for NaN', () => {
    const logits = Float32Array.from({ length: 2_003 }, (_, index) => -index * 0.0437);
    logits[2_000] = inf;
    logits[2_001] = Number.NaN;
    logits[2_002] = -87.01;
    kernels.exponentials(loadRow(logits));
    for (let id = 0; id < 2_000; id++) {
      const exact = Math.exp(logits[id]);
      if (logits[id] >= -87)
        expect(Math.abs(kernels.weight(id) - exact)).toBeLessThanOrEqual(1e-6 * exact);
      else expect(kernels.weight(id)).toBe(0);
    }
    expect([kernels.weight(2_000), kernels.weight(2_001), kernels.weight(2_002)]).toEqual([
      0, 0, 0,
    ]);
  });

  it('draw: over an even grid of targets, each id is drawn N·p ± 1.5 times', () => {
    for (const length of [1, 7, 100, 3_001]) {
      for (const { name, logits } of rows(length)) {
        const { weights, maximum } = referenceWeights(logits);
        const referenceTotal = weights.reduce((sum, weight) => sum + weight, 0);
        const total = kernels.exponentials(loadRow(logits));
        expect(maximum).toBeGreaterThan(inf);
        const points = 6_000;
        const counts = new Array(length).fill(0);
        for (let point = 0; point < points; point++) {
          counts[kernels.draw(((point + 0.5) / points) * total)]++;
        }
        weights.forEach((weight, id) => {
          const expected = (points * weight) / referenceTotal;
          if (weight === 0) expect(counts[id], `${name} × ${length}`).toBe(0);
          else expect(Math.abs(counts[id] - expected), `${name} × ${length}`).toBeLessThan(1.5);
        });
      }
    }
  });

  it('draw: a target at or past the total gives the last entry that weighs', () => {
    const logits = Float32Array.from([0.5, 1, 2, inf, Number.NaN]);
    const total = kernels.exponentials(loadRow(logits));
    expect(kernels.draw(total)).toBe(2);
    expect(kernels.draw(total * 2)).toBe(2);
    expect(kernels.draw(0)).toBe(0);
  });

  describe('without WebAssembly', () => {
    const saved = globalThis.WebAssembly;
    afterEach(() => {
      globalThis.WebAssembly = saved;
    });
    it('create() gives undefined (callers take their JavaScript paths)', () => {
      // @ts-expect-error: an engine without WebAssembly
      globalThis.WebAssembly = undefined;
      expect(NucleusKernels.create()).toBeUndefined();
    });
  });

  it('the committed module is compiled from nucleus-kernels.wat', () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'build-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check'])).not.toThrow();
  });
});

describe('nucleus sampling by rejection', () => {
  // Every token is accepted exactly when TopPProcessor.process keeps it: the weights decide
  // away from the boundary, process itself close to it.
  for (const length of [1, 7, 100, 3_001, 50_257]) {
    for (const { name, logits } of rows(length)) {
      for (const topP of [0.5, 0.92, 0.999]) {
        it(`${name} × ${length}, p = ${topP}: accepts exactly the nucleus of process`, () => {
          const keeps = processKeeps(logits, topP);
          const total = kernels.exponentials(loadRow(logits));
          const target = total - (1 - topP) * total;
          // The weight of the tokens the weights cannot decide — the chance that a draw needs the
          // exact check — is that of the tokens within the margin around the boundary and of the
          // two that straddle it: tiny, except in rows of ties at the boundary.
          let undecided = 0;
          let heaviest = 0;
          for (let id = 0; id < length; id++) {
            if (!(logits[id] > inf)) continue; // never drawn: no weight
            const inNucleus = (other: number): boolean => {
              undecided += kernels.weight(other);
              heaviest = Math.max(heaviest, kernels.weight(other));
              return keeps[other];
            };
            expect(keptByWeights(kernels, id, target, decidableMargin * total, inNucleus)).toBe(
              keeps[id],
            );
          }
          if (!['ties', 'constant', 'around zero', 'narrow'].includes(name)) {
            expect(undecided).toBeLessThanOrEqual(2 * decidableMargin * total + 2 * heaviest);
          }
        });
      }
    }
  }

  it('TopPProcessor.sample draws fit the nucleus (χ²), ties at the boundary included', () => {
    for (const { logits, topP } of [
      { logits: new Float32Array(7).fill(1.5), topP: 0.5 }, // ids 0–3, a quarter each
      { logits: Float32Array.from([2, 1, 1, 1, 0, 0, -1, inf]), topP: 0.92 },
      { logits: Float32Array.from([0.3, 1.9, -0.4, 1.2, 0.8, -2.5, 1.5, 0.1]), topP: 0.8 },
    ]) {
      const keeps = processKeeps(logits, topP);
      const { weights } = referenceWeights(logits);
      const kept = weights.map((weight, id) => (keeps[id] ? weight : 0));
      const keptTotal = kept.reduce((sum, weight) => sum + weight, 0);
      const random = createRandom(17);
      const processor = new TopPProcessor(topP);
      const draws = 20_000;
      const counts = new Array(logits.length).fill(0);
      for (let draw = 0; draw < draws; draw++) counts[processor.sample(logits, context, random)]++;
      let statistic = 0;
      kept.forEach((weight, id) => {
        if (weight === 0) expect(counts[id]).toBe(0);
        else
          statistic +=
            (counts[id] - (draws * weight) / keptTotal) ** 2 / ((draws * weight) / keptTotal);
      });
      expect(statistic).toBeLessThan(24.322); // χ²(≤ 7) at p = 0.001; the seed is fixed
    }
  });

  it('gives the row back after eight draws outside the nucleus, and for +Infinity', () => {
    const logits = Float32Array.from([5, ...new Array(100).fill(0)]); // nucleus at p = 0.5: {0}
    const high: Random = { next: () => 0.999 };
    expect(sampleNucleusByRejection(logits, 0.5, high, kernels, () => false)).toBe(-1);
    const withInfinity = Float32Array.from([0, Number.POSITIVE_INFINITY, 1]);
    expect(sampleNucleusByRejection(withInfinity, 0.9, createRandom(1), kernels, () => true)).toBe(
      -1,
    );
  });

  it('throws ALL_TOKENS_REMOVED when nothing is left', () => {
    expect(() =>
      sampleNucleusByRejection(
        Float32Array.from([inf, Number.NaN]),
        0.9,
        createRandom(1),
        kernels,
        () => true,
      ),
    ).toThrowError(SamplerError);
  });

  it('is what TopPProcessor.sample uses for p ≥ 1/2: the same tokens from the same seed', () => {
    const logits = rows(3_001)[0].logits;
    const processor = new TopPProcessor(0.92);
    const keeps = processKeeps(logits, 0.92);
    const direct = createRandom(8);
    const through = createRandom(8);
    for (let draw = 0; draw < 50; draw++) {
      expect(processor.sample(logits, context, through)).toBe(
        sampleNucleusByRejection(logits, 0.92, direct, kernels, (id) => keeps[id]),
      );
    }
  });
});
