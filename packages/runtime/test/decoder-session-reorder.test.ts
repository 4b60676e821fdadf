import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model, RuntimeError } from '../src/node.js';
import {
  makeModelFolder,
  maxAbsDifference,
  rejection,
  removeFolder,
  temporaryFolder,
  tinyConfigPath,
  tinyFolder,
} from './fixtures.js';

const tolerance = 1e-4;
const vocabulary = 1000;
let temporary: string;
/** The torch export (Optimum layout) and the model @bg-gpt2/convert writes from the checkpoint. */
const models: Record<string, Model> = {};

beforeAll(async () => {
  temporary = await temporaryFolder();
  const options = { tokenizer: false, sessionOptions: { intraOpNumThreads: 1 } };
  models['torch export'] = await loadModel(await makeModelFolder(temporary), options);
  const checkpoint = join(temporary, 'checkpoint');
  await mkdir(checkpoint, { recursive: true });
  await copyFile(tinyConfigPath, join(checkpoint, 'config.json'));
  await copyFile(join(tinyFolder, 'model.safetensors'), join(checkpoint, 'model.safetensors'));
  models.converted = await loadModel(checkpoint, {
    ...options,
    cacheDirectory: join(temporary, 'cache'),
  });
});

afterAll(async () => {
  for (const model of Object.values(models)) await model.dispose();
  await removeFolder(temporary);
});

/** Rows of different lengths (so the batch is left-padded). */
const prompts = [
  [11, 22, 33, 44, 55, 66],
  [101, 202, 303],
  [7, 8, 9, 10, 11, 12, 13, 14, 15],
];

/** The logits a fresh session of one row gets for `history` followed by `next`. */
async function alone(model: Model, history: number[], next: number): Promise<Float32Array> {
  const session = model.createSession();
  await session.prefill(history);
  const logits = await session.step(next);
  await session.dispose();
  return logits;
}

for (const name of ['torch export', 'converted']) {
  describe(`DecoderSession.reorder (${name})`, () => {
    it('reorder then step gives the logits of separate sessions fed the reordered histories', async () => {
      const model = models[name]!;
      const session = model.createSession();
      await session.prefill(prompts);
      await session.step([1, 2, 3]);
      const histories = prompts.map((row, index) => [...row, index + 1]);
      // Rows repeated and dropped: row 1 disappears, row 0 appears twice.
      for (const indices of [
        [2, 0, 0],
        [1, 2, 0],
        [0, 1, 2],
      ]) {
        const padded = session.tokenIds;
        await session.reorder(indices);
        expect(session.batchSize).toBe(3);
        expect(session.tokenIds).toEqual(indices.map((index) => padded[index]));
        const reordered = indices.map((index) => histories[index]!);
        const next = [40, 41, 42];
        const logits = await session.step(next);
        for (let row = 0; row < 3; row++) {
          const expected = await alone(model, reordered[row]!, next[row]!);
          const actual = logits.subarray(row * vocabulary, (row + 1) * vocabulary);
          expect(maxAbsDifference(actual, expected)).toBeLessThanOrEqual(tolerance);
        }
        histories.splice(0, 3, ...reordered.map((history, row) => [...history, next[row]!]));
      }
      await session.dispose();
    });

    it('is queued with the other calls', async () => {
      const model = models[name]!;
      const session = model.createSession();
      const [, , , logits] = await Promise.all([
        session.prefill([prompts[0]!, prompts[2]!]),
        session.reorder([1, 1]),
        session.step([5, 6]),
        session.step([7, 8]),
      ]);
      const first = await model.createSession().prefill([...prompts[2]!, 5, 7]);
      const second = await model.createSession().prefill([...prompts[2]!, 6, 8]);
      expect(maxAbsDifference(logits.subarray(0, vocabulary), first)).toBeLessThanOrEqual(
        tolerance,
      );
      expect(maxAbsDifference(logits.subarray(vocabulary), second)).toBeLessThanOrEqual(tolerance);
      await session.dispose();
    });
  });
}

describe('DecoderSession.reorder errors', () => {
  it('rejects bad indices with INVALID_ARGUMENT and keeps the state', async () => {
    const session = models['torch export']!.createSession();
    expect(await rejection(session.reorder([0]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    await session.prefill([prompts[0]!, prompts[1]!]);
    const before = session.tokenIds;
    for (const bad of [[0], [0, 1, 1], [0, 2], [-1, 0], [0, 0.5], [0, Number.NaN]]) {
      const error = await rejection(session.reorder(bad));
      expect(error).toBeInstanceOf(RuntimeError);
      expect(error.code).toBe('INVALID_ARGUMENT');
    }
    expect((await rejection(session.reorder('01' as unknown as number[]))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(session.tokenIds).toEqual(before);
    // Still usable.
    await session.reorder([1, 0]);
    expect(session.tokenIds).toEqual([before[1], before[0]]);
    await session.dispose();
    expect((await rejection(session.reorder([0, 1]))).code).toBe('DISPOSED');
  });
});
