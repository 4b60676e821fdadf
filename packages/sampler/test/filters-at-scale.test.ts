import { describe, expect, it } from 'vitest';
import {
  createRandom,
  EpsilonProcessor,
  MinPProcessor,
  TopKProcessor,
  TopPProcessor,
  TypicalPProcessor,
  topEntries,
} from '../src/index.js';

// The filters find their boundary with a histogram selection; here they are checked against
// literal transcriptions of Hugging Face's code (full sort, float64), on rows of many shapes.

const inf = Number.NEGATIVE_INFINITY;
const random = createRandom(20_240_601);

function gaussian(): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** Rows of the shapes that matter: wide and narrow spreads, ties, removed tokens, outliers. */
function rows(): { name: string; logits: Float32Array }[] {
  const result: { name: string; logits: Float32Array }[] = [];
  for (const length of [1, 2, 7, 100, 3_001, 50_257]) {
    result.push({
      name: `gaussian ${length}`,
      logits: Float32Array.from({ length }, () => 3 * gaussian()),
    });
    result.push({
      name: `narrow ${length}`,
      logits: Float32Array.from({ length }, () => 0.01 * gaussian()),
    });
    result.push({
      name: `ties ${length}`,
      logits: Float32Array.from({ length }, () => Math.round(2 * gaussian())),
    });
    result.push({
      name: `removed ${length}`,
      logits: Float32Array.from({ length }, (_, index) => (index % 3 === 1 ? inf : 4 * gaussian())),
    });
    result.push({
      name: `zipf ${length}`,
      logits: Float32Array.from(
        { length },
        (_, index) => 10 - 1.1 * Math.log(index + 1) + 0.3 * gaussian(),
      ),
    });
    result.push({
      name: `outliers ${length}`,
      logits: Float32Array.from({ length }, (_, index) =>
        index % 97 === 5 ? -500 : index === 3 ? 80 : gaussian(),
      ),
    });
    result.push({ name: `constant ${length}`, logits: new Float32Array(length).fill(1.5) });
  }
  return result;
}

/** Indices in Hugging Face's descending order (ties: lower id first). */
function descending(logits: Float32Array): number[] {
  return [...logits.keys()]
    .filter((index) => logits[index] > inf)
    .sort((left, right) => logits[right] - logits[left] || left - right);
}

function probabilities(logits: Float32Array): number[] {
  let maximum = inf;
  for (const value of logits) if (value > maximum) maximum = value;
  const weights = Array.from(logits, (value) => (value > inf ? Math.exp(value - maximum) : 0));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => weight / total);
}

function referenceTopP(logits: Float32Array, topP: number, minTokensToKeep = 1): Float32Array {
  const result = Float32Array.from(logits);
  const order = descending(logits).reverse(); // ascending, as torch.sort(descending=False)
  const p = probabilities(logits);
  let cumulative = 0;
  order.forEach((index, position) => {
    cumulative += p[index];
    if (cumulative <= 1 - topP && position < order.length - minTokensToKeep) result[index] = inf;
  });
  return result;
}

function referenceTopK(logits: Float32Array, topK: number): Float32Array {
  const order = descending(logits);
  if (topK >= order.length) return Float32Array.from(logits);
  const threshold = logits[order[topK - 1]];
  return Float32Array.from(logits, (value) => (value < threshold ? inf : value));
}

function referenceTypical(logits: Float32Array, mass: number): Float32Array {
  const p = probabilities(logits);
  const logp = p.map(Math.log);
  const entropy = -p.reduce(
    (sum, value, index) => (value > 0 ? sum + value * logp[index] : sum),
    0,
  );
  const shifted = logp.map((value) => Math.fround(Math.abs(-value - entropy)));
  const order = [...logits.keys()]
    .filter((index) => logits[index] > inf)
    .sort((left, right) => shifted[left] - shifted[right] || left - right);
  let cumulative = 0;
  let last = order.length - 1;
  for (let position = 0; position < order.length; position++) {
    cumulative += p[order[position]];
    if (!(cumulative < mass)) {
      last = position;
      break;
    }
  }
  const threshold = shifted[order[last]];
  return Float32Array.from(logits, (value, index) => (shifted[index] > threshold ? inf : value));
}

function differences(actual: Float32Array, expected: Float32Array): number[] {
  return [...actual.keys()].filter((index) => !Object.is(actual[index], expected[index]));
}

describe('filters at scale equal full-sort transcriptions of Hugging Face', () => {
  const cases = rows();

  it('top-p (and its minTokensToKeep)', () => {
    for (const { name, logits } of cases) {
      for (const [topP, keep] of [
        [0.92, 1],
        [0.5, 1],
        [0.999, 1],
        [0.01, 1],
        [0.3, 5],
      ] as const) {
        const actual = Float32Array.from(logits);
        new TopPProcessor(topP, { minTokensToKeep: keep }).process(actual);
        if (name.startsWith('constant')) {
          // All equal: the mass boundary can fall exactly on a token, where rounding decides
          // (in Hugging Face too). The kept tokens are the lowest ids, about ⌈p · n⌉ of them.
          const count = actual.filter((value) => value > inf).length;
          expect(
            actual.subarray(0, count).every((value) => value > inf),
            name,
          ).toBe(true);
          const expected = Math.min(logits.length, Math.max(keep, Math.ceil(topP * logits.length)));
          expect(Math.abs(count - expected), name).toBeLessThanOrEqual(1);
          continue;
        }
        const expected = referenceTopP(logits, topP, keep);
        // Ties at the boundary are taken lower id first by both.
        expect(differences(actual, expected), `${name}, top_p ${topP}`).toEqual([]);
      }
    }
  });

  it('top-k', () => {
    for (const { name, logits } of cases) {
      for (const topK of [1, 2, 50, 1000]) {
        const actual = Float32Array.from(logits);
        new TopKProcessor(topK).process(actual);
        expect(differences(actual, referenceTopK(logits, topK)), `${name}, top_k ${topK}`).toEqual(
          [],
        );
      }
    }
  });

  it('typical-p', () => {
    for (const { name, logits } of cases) {
      if (name.startsWith('narrow') || name.startsWith('constant')) continue; // all distances ~equal
      for (const mass of [0.2, 0.9]) {
        const actual = Float32Array.from(logits);
        new TypicalPProcessor(mass).process(actual);
        expect(
          differences(actual, referenceTypical(logits, mass)),
          `${name}, typical ${mass}`,
        ).toEqual([]);
      }
    }
  });

  it('min-p and epsilon', () => {
    for (const { name, logits } of cases) {
      const p = probabilities(logits);
      const top = Math.max(...p);
      const minP = Float32Array.from(logits);
      new MinPProcessor(0.1).process(minP);
      expect(
        differences(
          minP,
          Float32Array.from(logits, (value, index) => (p[index] < 0.1 * top ? inf : value)),
        ),
        name,
      ).toEqual([]);
      const epsilon = Float32Array.from(logits);
      new EpsilonProcessor(3e-4).process(epsilon);
      const maximum = Math.max(...logits);
      expect(
        differences(
          epsilon,
          Float32Array.from(logits, (value, index) =>
            p[index] < 3e-4 && value < maximum ? inf : value,
          ),
        ),
        name,
      ).toEqual([]);
    }
  });

  it('topEntries lists the largest values in order', () => {
    for (const { name, logits } of cases) {
      for (const count of [1, 5, 64, 65, 200]) {
        expect(topEntries(logits, count), `${name}, ${count}`).toEqual(
          descending(logits).slice(0, count),
        );
      }
    }
  });
});
