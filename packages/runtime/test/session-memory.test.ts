import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadModel, type Model } from '../src/node.js';
import {
  argmax,
  makeModelFolder,
  removeFolder,
  temporaryFolder,
  tinyConfigPath,
  tinyFolder,
} from './fixtures.js';

/** The torch export (present.* outputs) and the checkpoint converted here (new_key_values.*). */
const models: Record<string, Model> = {};
let temporary: string;

beforeAll(async () => {
  temporary = await temporaryFolder();
  const options = { tokenizer: false, sessionOptions: { intraOpNumThreads: 1 } };
  models['present.* outputs'] = await loadModel(await makeModelFolder(temporary), options);
  const checkpoint = join(temporary, 'checkpoint');
  await mkdir(checkpoint, { recursive: true });
  await copyFile(tinyConfigPath, join(checkpoint, 'config.json'));
  await copyFile(join(tinyFolder, 'model.safetensors'), join(checkpoint, 'model.safetensors'));
  models['new_key_values.* outputs'] = await loadModel(checkpoint, {
    ...options,
    cacheDirectory: join(temporary, 'cache'),
  });
});

afterAll(async () => {
  for (const model of Object.values(models)) await model.dispose();
  await removeFolder(temporary);
});

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

it.each(['present.* outputs', 'new_key_values.* outputs'])(
  'keeps RSS flat over 10 000 steps with a sliding window (%s: every tensor released)',
  async (name) => {
    const model = models[name]!;
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
  },
);
