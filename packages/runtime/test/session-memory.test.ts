import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadModel, type Model } from '../src/node.js';
import { argmax, makeModelFolder, removeFolder, temporaryFolder } from './fixtures.js';

let model: Model;
let temporary: string;

beforeAll(async () => {
  temporary = await temporaryFolder();
  model = await loadModel(await makeModelFolder(temporary), {
    tokenizer: false,
    sessionOptions: { intraOpNumThreads: 1 },
  });
});

afterAll(async () => {
  await model?.dispose();
  await removeFolder(temporary);
});

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

it('keeps RSS flat over 10 000 steps with a sliding window (every tensor released)', async () => {
  const session = model.createSession({ slidingWindow: true, slidingWindowKeep: 64 });
  let logits = await session.prefill([
    [1, 2, 3, 4],
    [5, 6],
  ]);
  const run = async (steps: number): Promise<void> => {
    for (let step = 0; step < steps; step++) {
      logits = await session.step([argmax(logits, 0, 1000), argmax(logits, 1000, 1000)]);
    }
  };
  await run(1_000); // warm up: allocator pools, JIT
  collectGarbage();
  const before = process.memoryUsage().rss;
  await run(10_000);
  collectGarbage();
  const after = process.memoryUsage().rss;
  const growth = (after - before) / 2 ** 20;
  // One leaked step of this model holds ≥ 64 KiB of cache (×10 000 ≈ 640 MiB); allow 32 MiB noise.
  expect(growth).toBeLessThan(32);
  expect(session.length).toBeLessThanOrEqual(128);
  await session.dispose();
});
