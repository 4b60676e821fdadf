// Time of one 50 257-logit row through the model card's chain
// (do_sample=True, max_length=50, top_p=0.92, top_k=0, pad_token_id=2 → a lone top-p 0.92),
// side by side with a full-sort top-p (what Hugging Face's TopPLogitsWarper does), on three
// shapes of distribution, and the fused draw the decode loop uses (processor.sample: by rejection
// in WebAssembly SIMD for p ≥ 1/2). Run: pnpm --filter @bg-gpt2/sampler build && node bench/chain.mjs
import { performance } from 'node:perf_hooks';
import {
  createGenerationContext,
  createRandom,
  fromHuggingFaceOptions,
  sampleToken,
} from '../dist/index.js';

const vocabularySize = 50_257;
const quick = process.argv.includes('--quick');
const batchCount = quick ? 5 : 30;
const batchSize = 100;

const random = createRandom(1234);
function gaussian() {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
function shuffledRanks() {
  const ranks = Array.from({ length: vocabularySize }, (_, index) => index);
  for (let index = ranks.length - 1; index > 0; index--) {
    const other = Math.floor(random.next() * (index + 1));
    [ranks[index], ranks[other]] = [ranks[other], ranks[index]];
  }
  return ranks;
}

/** Rows shaped like language-model outputs (ranks shuffled over the vocabulary). */
const rows = {
  // Zipf-like head over a noisy tail: a nucleus of a few thousand tokens.
  zipf: (() => {
    const ranks = shuffledRanks();
    return Float32Array.from(ranks, (rank) => 12 - 1.1 * Math.log(rank + 1) + 0.5 * gaussian());
  })(),
  // One confident continuation: a nucleus of a handful of tokens.
  peaked: (() => {
    const ranks = shuffledRanks();
    return Float32Array.from(ranks, (rank) =>
      rank === 0 ? 25 : rank < 5 ? 18 - rank : 2 * gaussian(),
    );
  })(),
  // Nearly uniform: the nucleus is most of the vocabulary (the worst case for a partial sort).
  flat: Float32Array.from({ length: vocabularySize }, () => 0.1 * gaussian()),
};

/** Hugging Face's TopPLogitsWarper, literally: sort everything ascending, cumulative softmax. */
function fullSortTopP(logits, topP) {
  const order = Array.from({ length: logits.length }, (_, index) => index);
  order.sort((left, right) => logits[left] - logits[right] || right - left);
  let maximum = Number.NEGATIVE_INFINITY;
  for (const value of logits) if (value > maximum) maximum = value;
  let total = 0;
  for (const value of logits) total += Math.exp(value - maximum);
  let cumulative = 0;
  for (let position = 0; position < order.length - 1; position++) {
    const index = order[position];
    cumulative += Math.exp(logits[index] - maximum) / total;
    if (cumulative <= 1 - topP) logits[index] = Number.NEGATIVE_INFINITY;
    else break;
  }
}

const { processor } = fromHuggingFaceOptions({
  do_sample: true,
  max_length: 50,
  top_p: 0.92,
  top_k: 0,
  pad_token_id: 2,
});
const context = createGenerationContext([1, 2, 3], 3);
const work = new Float32Array(vocabularySize);

/**
 * Per-call time of `run`, in ms: the median and the minimum over batches (a shared machine's
 * noise only ever adds time, so the minimum is the steadiest figure).
 */
function time(run) {
  for (let index = 0; index < 300; index++) run();
  const batches = [];
  for (let batch = 0; batch < batchCount; batch++) {
    const start = performance.now();
    for (let index = 0; index < batchSize; index++) run();
    batches.push((performance.now() - start) / batchSize);
  }
  batches.sort((left, right) => left - right);
  return { median: batches[Math.floor(batches.length / 2)], minimum: batches[0] };
}

console.log(`chain: ${processor.processors.map((each) => each.constructor.name).join(' → ')}`);
console.log(
  `vocabulary ${vocabularySize}; ${batchCount} batches of ${batchSize} calls per figure: median (minimum) ms per row; Node ${process.version}\n`,
);
// A yardstick for the machine: one Math.exp per logit (what any softmax over the row costs).
let sink = 0;
const yardstick = time(() => {
  let total = 0;
  for (let index = 0; index < vocabularySize; index++) total += Math.exp(rows.zipf[index] - 12);
  sink += total;
});
if (!(sink > 0)) throw new Error('unreachable');
console.log(
  `yardstick: one Math.exp per logit over the row takes ${yardstick.median.toFixed(3)} (${yardstick.minimum.toFixed(3)}) ms here\n`,
);
console.log(
  'row       kept  chain (top-p)     chain + sample    fused draw        full-sort top-p    ratio',
);
const sampling = createRandom(7);
const format = ({ median, minimum }) => `${median.toFixed(3)} (${minimum.toFixed(3)})`.padStart(15);
const minus = (total, part) => ({
  median: total.median - part.median,
  minimum: total.minimum - part.minimum,
});
for (const [name, row] of Object.entries(rows)) {
  work.set(row);
  processor.process(work, context);
  const kept = work.reduce((count, value) => count + (value > Number.NEGATIVE_INFINITY ? 1 : 0), 0);
  const reference = Float32Array.from(row);
  fullSortTopP(reference, 0.92);
  const same = work.every((value, index) => value === reference[index]);
  if (!same) throw new Error(`${name}: the chain and the full sort keep different tokens`);

  const copy = time(() => work.set(row));
  const chain = minus(
    time(() => {
      work.set(row);
      processor.process(work, context);
    }),
    copy,
  );
  const step = minus(
    time(() => {
      work.set(row);
      processor.process(work, context);
      sampleToken(work, sampling);
    }),
    copy,
  );
  // The decode loop's path: processor.sample (top-p and the draw at once; the row is not written).
  const fused = time(() => processor.sample(row, context, sampling));
  const sorted = minus(
    time(() => {
      work.set(row);
      fullSortTopP(work, 0.92);
    }),
    copy,
  );
  console.log(
    `${name.padEnd(7)} ${String(kept).padStart(6)}  ${format(chain)}  ${format(step)}  ${format(fused)}  ${format(sorted)}  ${(sorted.median / chain.median).toFixed(1).padStart(6)}×`,
  );
}
console.log(
  '\nFigures exclude the copy of the row; the chain and the full sort keep exactly the same tokens (checked).',
);
