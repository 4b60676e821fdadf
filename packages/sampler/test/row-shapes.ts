import type { Random } from '../src/index.js';

const inf = Number.NEGATIVE_INFINITY;

/**
 * Rows of logits with the shapes that stress top-p: gaussian, narrow, ties, removed entries
 * (-Infinity, NaN), a Zipf-like head, outliers, a constant row and values straddling zero.
 * `random` draws the noise (a seeded stream, so the rows are the same on every run).
 */
export function rowShapes(
  length: number,
  random: Random,
): { name: string; logits: Float32Array }[] {
  const gaussian = (): number => {
    const u = 1 - random.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
  };
  return [
    { name: 'gaussian', logits: Float32Array.from({ length }, () => 3 * gaussian()) },
    { name: 'narrow', logits: Float32Array.from({ length }, () => 0.01 * gaussian()) },
    { name: 'ties', logits: Float32Array.from({ length }, () => Math.round(2 * gaussian())) },
    {
      name: 'removed',
      logits: Float32Array.from({ length }, (_, index) =>
        index % 3 === 1 ? inf : index % 11 === 4 ? Number.NaN : 4 * gaussian(),
      ),
    },
    {
      name: 'zipf',
      logits: Float32Array.from(
        { length },
        (_, index) => 10 - 1.1 * Math.log(index + 1) + 0.3 * gaussian(),
      ),
    },
    {
      name: 'outliers',
      logits: Float32Array.from({ length }, (_, index) =>
        index % 97 === 5 ? -500 : index === 3 ? 80 : gaussian(),
      ),
    },
    { name: 'constant', logits: new Float32Array(length).fill(1.5) },
    {
      name: 'around zero',
      logits: Float32Array.from({ length }, (_, index) => (index % 5) * 0.004 - 0.008),
    },
  ];
}
