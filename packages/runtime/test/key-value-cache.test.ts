import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type InferenceSession, Tensor } from 'onnxruntime-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecoderSessionOptions, loadModel, Model } from '../src/node.js';
import {
  makeModelFolder,
  maxAbsDifference,
  removeFolder,
  temporaryFolder,
  tinyConfigPath,
  tinyFolder,
} from './fixtures.js';

const vocabulary = 1000;
const options = { tokenizer: false, sessionOptions: { intraOpNumThreads: 1 } };
let temporary: string;
let exported: Model;
let convertedNew: Model;
let convertedPresent: Model;

beforeAll(async () => {
  temporary = await temporaryFolder();
  exported = await loadModel(await makeModelFolder(temporary), options);
  const checkpoint = join(temporary, 'checkpoint');
  await mkdir(checkpoint, { recursive: true });
  await copyFile(tinyConfigPath, join(checkpoint, 'config.json'));
  await copyFile(join(tinyFolder, 'model.safetensors'), join(checkpoint, 'model.safetensors'));
  const cacheDirectory = join(temporary, 'cache');
  convertedNew = await loadModel(checkpoint, { ...options, cacheDirectory });
  convertedPresent = await loadModel(checkpoint, {
    ...options,
    cacheDirectory,
    keyValueOutputs: 'present',
  });
});

afterAll(async () => {
  for (const model of [exported, convertedNew, convertedPresent]) await model?.dispose();
  await removeFolder(temporary);
});

/** What one run was fed: mask width, largest position, whether outputs were pre-allocated. */
interface SeenRun {
  maskWidth: number;
  lastPosition: number;
  preallocated: boolean;
}

/** A model over `model`'s session that records its runs (and can hide the fetch tensors). */
function watched(
  model: Model,
  details: { outputTensor?: Model['outputTensor']; namesOnly?: boolean } = {},
): { model: Model; runs: SeenRun[] } {
  const runs: SeenRun[] = [];
  const inner = model.inferenceSession;
  const session = {
    inputNames: inner.inputNames,
    outputNames: inner.outputNames,
    inputMetadata: inner.inputMetadata,
    outputMetadata: inner.outputMetadata,
    run(feeds: InferenceSession.FeedsType, fetches: InferenceSession.FetchesType) {
      const values = Array.isArray(fetches) ? [] : Object.values(fetches);
      runs.push({
        maskWidth: (feeds.attention_mask as Tensor).dims[1]!,
        lastPosition: Math.max(
          ...Array.from((feeds.position_ids as Tensor).data as BigInt64Array, Number),
        ),
        preallocated: values.some((value) => value !== null),
      });
      const names = Array.isArray(fetches) ? fetches : Object.keys(fetches);
      return details.namesOnly ? inner.run(feeds, names) : inner.run(feeds, fetches);
    },
    release: () => Promise.resolve(),
  } as unknown as InferenceSession;
  const copy = Model.fromSession(
    session,
    model.config,
    details.outputTensor ? { outputTensor: details.outputTensor } : {},
  );
  return { model: copy, runs };
}

/**
 * Runs a left-padded batch of 2 through `steps` fixed tokens (no sampling, so every model sees
 * the same inputs) with a sliding window, reordering the rows now and then; returns the logits of
 * every call.
 */
async function trajectory(
  model: Model,
  steps: number,
  sessionOptions: DecoderSessionOptions = { slidingWindow: true, slidingWindowKeep: 48 },
  shift = 0,
): Promise<Float32Array[]> {
  const session = model.createSession(sessionOptions);
  const all = [
    await session.prefill([
      [5, 17, 29, 41, 53, 65, 77].map((id) => (id + shift) % vocabulary),
      [900, 901, 902].map((id) => (id + shift) % vocabulary),
    ]),
  ];
  for (let step = 0; step < steps; step++) {
    if (step % 97 === 50) await session.reorder(step % 2 ? [1, 1] : [1, 0]);
    all.push(
      await session.step([
        (step * 37 + 3 + shift) % vocabulary,
        (step * 53 + 11 + shift) % vocabulary,
      ]),
    );
  }
  await session.dispose();
  return all;
}

function largestDifference(actual: Float32Array[], expected: Float32Array[]): number {
  expect(actual.length).toBe(expected.length);
  return Math.max(...actual.map((logits, index) => maxAbsDifference(logits, expected[index]!)));
}

describe('present.* outputs written into reused buffers (onnxruntime-node)', () => {
  it('gives the same logits as fresh outputs over 300 steps (batch, sliding window, reorder)', async () => {
    expect(exported.outputTensor).toBeTypeOf('function');
    const reused = watched(exported, { outputTensor: exported.outputTensor });
    const fresh = watched(exported);
    const expected = await trajectory(fresh.model, 300);
    const actual = await trajectory(reused.model, 300);
    expect(largestDifference(actual, expected)).toBe(0);
    expect(reused.runs.every((run) => run.preallocated)).toBe(true);
    expect(fresh.runs.some((run) => run.preallocated)).toBe(false);
  });

  it('falls back to returned outputs when the backend ignores the buffers', async () => {
    const expected = await trajectory(watched(exported).model, 20);
    // This package's Tensor class, not onnxruntime-node's: onnxruntime-common drops the fetches.
    const foreign = watched(exported, {
      outputTensor: (type, data, dims) =>
        type === 'float16'
          ? new Tensor('float16', data as Uint16Array, dims)
          : new Tensor('float32', data as Float32Array, dims),
    });
    expect(largestDifference(await trajectory(foreign.model, 20), expected)).toBe(0);
    // A session that takes only the names (writes nothing into the tensors).
    const ignoring = watched(exported, { outputTensor: exported.outputTensor, namesOnly: true });
    expect(largestDifference(await trajectory(ignoring.model, 20), expected)).toBe(0);
    expect(ignoring.runs.filter((run) => run.preallocated)).toHaveLength(1);
  });
});

describe('new_key_values.* outputs appended to a growing cache', () => {
  it('gives the logits of the present.* layout over 300 steps (batch, sliding window, reorder)', async () => {
    expect(convertedNew.signature.keyValueOutputs).toBe('new');
    expect(convertedPresent.signature.keyValueOutputs).toBe('present');
    const appended = watched(convertedNew);
    const expected = await trajectory(convertedPresent, 300);
    const actual = await trajectory(appended.model, 300);
    expect(largestDifference(actual, expected)).toBeLessThanOrEqual(1e-4);
    // The cache had spare (masked) slots: the mask was wider than the context.
    expect(appended.runs.some((run) => run.maskWidth > run.lastPosition + 2)).toBe(true);
    expect(appended.runs.every((run) => run.maskWidth <= 128 + 48)).toBe(true);
  });

  it("reuses a finished session's buffers in the next session of the model, with no trace of them", async () => {
    const model = watched(convertedNew).model;
    expect(model.keyValuePool.size).toBe(0);
    await trajectory(model, 110, {}, 400); // fills buffers with another sequence's keys and values
    const kept = model.keyValuePool.size;
    expect(kept).toBeGreaterThanOrEqual(2 * model.config.layerCount);
    const reused = await trajectory(model, 110, {});
    expect(model.keyValuePool.size).toBe(kept); // taken, then given back: no new buffers kept
    const fresh = await trajectory(watched(convertedNew).model, 110, {});
    expect(largestDifference(reused, fresh)).toBe(0);
    await model.dispose();
    expect(model.keyValuePool.size).toBe(0);
  });

  it('gives the logits of the torch export without a sliding window, up to n_positions', async () => {
    const expected = await trajectory(exported, 119, {});
    const actual = await trajectory(convertedNew, 119, {});
    expect(largestDifference(actual, expected)).toBeLessThanOrEqual(1e-4);
  });
});
