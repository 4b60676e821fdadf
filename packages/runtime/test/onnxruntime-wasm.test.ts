// @bg-gpt2/runtime/onnxruntime-wasm — our binding of onnxruntime-web's WebAssembly build — run in
// Node (the Emscripten module works there too) against the plain-torch reference and
// onnxruntime-node. Chromium runs it in packages/widget's browser tests.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InferenceSession as OnnxRuntimeSession } from 'onnxruntime-common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModel, type Model, registerBackend, unregisterBackend } from '../src/node.js';
import { env, InferenceSession, onnxRuntimeWebVersion, Tensor } from '../src/onnxruntime-wasm.js';
import {
  argmax,
  makeModelFolder,
  maxAbsDifference,
  type Reference,
  readReference,
  rejection,
  removeFolder,
  temporaryFolder,
  tinyOnnxPath,
} from './fixtures.js';

const onnxRuntimeWebFolder = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
env.wasm.wasmPaths = pathToFileURL(`${onnxRuntimeWebFolder}/`).href;
env.wasm.numThreads = 1;

const tolerance = 1e-4;
let reference: Reference;
let temporary: string;
let model: Model;
let tinyBytes: Uint8Array;

/** The feeds of one prefill of `ids` with an empty cache (the torch export's inputs). */
function prefillFeeds(session: InferenceSession, ids: number[]): Record<string, Tensor> {
  const length = ids.length;
  const feeds: Record<string, Tensor> = {
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, length]),
    attention_mask: new Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]),
    position_ids: new Tensor(
      'int64',
      BigInt64Array.from(ids, (_, index) => BigInt(index)),
      [1, length],
    ),
  };
  for (const name of session.inputNames.filter((input) => input.startsWith('past_'))) {
    feeds[name] = new Tensor('float32', new Float32Array(0), [1, 4, 0, 16]);
  }
  return feeds;
}

beforeAll(async () => {
  reference = await readReference();
  temporary = await temporaryFolder();
  tinyBytes = new Uint8Array(await readFile(tinyOnnxPath));
  registerBackend(
    'onnxruntime-wasm-test',
    {
      async init() {},
      createSession: async (file, options) =>
        (await InferenceSession.create(typeof file === 'string' ? await readFile(file) : file, {
          executionProviders: ['wasm'],
          graphOptimizationLevel: options?.graphOptimizationLevel ?? 'all',
        })) as unknown as OnnxRuntimeSession,
    },
    1,
  );
  model = await loadModel(await makeModelFolder(temporary), {
    tokenizer: false,
    backend: 'onnxruntime-wasm-test',
  });
});

afterAll(async () => {
  await model?.dispose();
  unregisterBackend('onnxruntime-wasm-test');
  await removeFolder(temporary);
});

describe('@bg-gpt2/runtime/onnxruntime-wasm', () => {
  it('drives the WebAssembly build of the installed onnxruntime-web', async () => {
    const manifest = JSON.parse(
      await readFile(join(onnxRuntimeWebFolder, '..', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(onnxRuntimeWebVersion).toBe(manifest.version);
    expect(env.versions.web).toBe(manifest.version);
  });

  it('reads the inputs and outputs with their metadata', async () => {
    const session = await InferenceSession.create(tinyBytes);
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
    ]);
    expect(session.outputNames).toEqual([
      'logits',
      'present.0.key',
      'present.0.value',
      'present.1.key',
      'present.1.value',
    ]);
    expect(session.inputMetadata[3]).toEqual({
      name: 'past_key_values.0.key',
      isTensor: true,
      type: 'float32',
      shape: ['batch_size', 4, 'past_sequence_length', 16],
    });
    await session.release();
  });

  it('runs a prefill like PyTorch, returning all outputs or the ones asked for', async () => {
    const prompt = reference.prompts.find((item) => item.name === 'p8')!;
    const session = await InferenceSession.create(tinyBytes);
    const all = await session.run(prefillFeeds(session, prompt.input_ids));
    expect(Object.keys(all)).toEqual(session.outputNames);
    const logits = all.logits!;
    expect(logits.type).toBe('float32');
    expect(logits.dims).toEqual([1, prompt.input_ids.length, 1000]);
    expect(
      maxAbsDifference(logits.data as Float32Array, prompt.prefill_logits.flat()),
    ).toBeLessThan(tolerance);
    expect(all['present.1.value']!.dims).toEqual([1, 4, prompt.input_ids.length, 16]);
    const only = await session.run(prefillFeeds(session, prompt.input_ids), ['logits']);
    expect(Object.keys(only)).toEqual(['logits']);
    expect(only.logits!.data).toEqual(logits.data);
    const fetched = await session.run(prefillFeeds(session, prompt.input_ids), { logits: null });
    expect(Object.keys(fetched)).toEqual(['logits']);
    await session.release();
  });

  for (const promptName of ['p8', 'p40']) {
    it(`under the runtime: prefill, 5 cached steps and a greedy continuation match PyTorch (${promptName})`, async () => {
      const prompt = reference.prompts.find((item) => item.name === promptName)!;
      const session = model.createSession();
      const logits = await session.prefill(prompt.input_ids);
      expect(maxAbsDifference(logits, prompt.prefill_logits.at(-1)!)).toBeLessThanOrEqual(
        tolerance,
      );
      for (const step of prompt.steps) {
        const stepLogits = await session.step(step.input_id);
        expect(maxAbsDifference(stepLogits, step.logits)).toBeLessThanOrEqual(tolerance);
        expect(argmax(stepLogits)).toBe(step.argmax);
      }
      await session.dispose();
      const greedy = model.createSession();
      let next = argmax(await greedy.prefill(prompt.input_ids));
      const tokens = [next];
      while (tokens.length < prompt.greedy.length) {
        next = argmax(await greedy.step(next));
        tokens.push(next);
      }
      expect(tokens).toEqual(prompt.greedy);
      await greedy.dispose();
    });
  }

  it('under the runtime: a left-padded batch and its cached steps match PyTorch', async () => {
    const { batch } = reference;
    const session = model.createSession({ padTokenId: batch.pad_id });
    const logits = await session.prefill(
      batch.input_ids.map((row, index) =>
        row.filter((_, column) => batch.attention_mask[index]![column] === 1),
      ),
    );
    expect(maxAbsDifference(logits, batch.last_logits.flat())).toBeLessThanOrEqual(tolerance);
    for (const step of batch.steps) {
      const stepLogits = await session.step(step.input_ids);
      expect(maxAbsDifference(stepLogits, step.logits.flat())).toBeLessThanOrEqual(tolerance);
    }
    await session.dispose();
  });

  it('says what is wrong with bad input, and keeps working', async () => {
    const session = await InferenceSession.create(tinyBytes);
    const feeds = prefillFeeds(session, [1, 2, 3]);
    await expect(session.run({ ...feeds, nonsense: feeds.input_ids! })).rejects.toThrow(
      "'nonsense' is not an input of this model.",
    );
    await expect(session.run(feeds, ['nonsense'])).rejects.toThrow(
      "'nonsense' is not an output of this model.",
    );
    await expect(session.run(feeds, { logits: feeds.input_ids! })).rejects.toThrow(
      /Pre-allocated output/,
    );
    const { input_ids: _, ...withoutIds } = feeds;
    await expect(session.run(withoutIds)).rejects.toThrow(
      "input 'input_ids' is missing in 'feeds'.",
    );
    // A wrong shape: ONNX Runtime's own message.
    await expect(
      session.run({ ...feeds, input_ids: new Tensor('int64', new BigInt64Array(3), [3, 1]) }),
    ).rejects.toThrow(/OrtRun/);
    expect(Object.keys(await session.run(feeds))).toHaveLength(5);
    await session.release();
    await expect(session.run(feeds)).rejects.toThrow('The session was released.');
    await session.release();

    await expect(InferenceSession.create(new Uint8Array([8, 1, 2, 3]))).rejects.toThrow(
      /Can't create a session.*protobuf parsing failed/,
    );
    await expect(
      InferenceSession.create(tinyBytes, { executionProviders: ['webgpu'] }),
    ).rejects.toThrow(TypeError);
    await expect(
      InferenceSession.create(tinyBytes, {
        graphOptimizationLevel: 'most' as 'all',
      }),
    ).rejects.toThrow(/graphOptimizationLevel/);
    env.wasm.proxy = true;
    await expect(InferenceSession.create(tinyBytes)).rejects.toThrow(/proxy/);
    env.wasm.proxy = false;
    const again = await InferenceSession.create(tinyBytes, {
      extra: { session: { intra_op: { allow_spinning: false } } },
      freeDimensionOverrides: { batch_size: 1 },
    });
    expect(again.inputNames).toHaveLength(7);
    await again.release();
  });

  it('under the runtime: a model file it cannot load is MODEL_INVALID, naming the backend', async () => {
    const folder = await makeModelFolder(temporary, 'broken');
    await writeFile(join(folder, 'model.onnx'), new Uint8Array([8, 1, 2, 3]));
    const error = await rejection(
      loadModel(folder, { tokenizer: false, backend: 'onnxruntime-wasm-test' }),
    );
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('onnxruntime-wasm-test');
  });

  it('WebAssembly files that are not where wasmPaths says: NO_BACKEND saying where to serve them, also through loadModel', async () => {
    vi.resetModules();
    const fresh = await import('../src/onnxruntime-wasm.js');
    fresh.env.wasm.wasmPaths = pathToFileURL(join(temporary, 'no-such-folder/')).href;
    const error = await rejection(fresh.InferenceSession.create(tinyBytes));
    expect(error.code).toBe('NO_BACKEND');
    expect(error.message).toContain('ort-wasm-simd-threaded.mjs');
    expect(error.message).toContain('wasm-path');
    const { loadModel: freshLoadModel, registerBackend: freshRegister } = await import(
      '../src/node.js'
    );
    freshRegister(
      'onnxruntime-wasm-missing',
      {
        async init() {},
        createSession: async () =>
          (await fresh.InferenceSession.create(tinyBytes)) as unknown as OnnxRuntimeSession,
      },
      -1,
    );
    const loading = await rejection(
      freshLoadModel(await makeModelFolder(temporary, 'missing-wasm'), {
        tokenizer: false,
        backend: 'onnxruntime-wasm-missing',
      }),
    );
    expect(loading.code).toBe('NO_BACKEND');
    expect(loading.message).toContain('could not be loaded from');
    // Once the files are there, the next call loads them.
    fresh.env.wasm.wasmPaths = env.wasm.wasmPaths;
    const session = await fresh.InferenceSession.create(tinyBytes);
    expect(session.outputNames).toContain('logits');
    await session.release();
    vi.resetModules();
  });

  it('checks tensors', () => {
    expect(() => new Tensor('int64', new Int32Array(2), [2])).toThrow('needs a BigInt64Array');
    expect(() => new Tensor('float32', new Float32Array(6), [2, 2])).toThrow(RangeError);
    expect(() => new Tensor('float32', new Float32Array(2), [-2, -1])).toThrow(TypeError);
    expect(() => new Tensor('string' as 'bool', new Uint8Array(1))).toThrow(/string/);
    const tensor = new Tensor('float32', new Float32Array(6), [2, 3]);
    expect(tensor).toMatchObject({ type: 'float32', dims: [2, 3], size: 6, location: 'cpu' });
    expect(tensor.reshape([3, 2]).dims).toEqual([3, 2]);
  });
});
