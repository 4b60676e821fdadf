import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LoadProgress, loadModel, registerWebBackend } from '../src/web.js';
import {
  argmax,
  makeModelFolder,
  maxAbsDifference,
  type Reference,
  readReference,
  rejection,
  removeFolder,
  temporaryFolder,
  tinyConfigPath,
  tinyFolder,
} from './fixtures.js';
import { type HubServer, startHubServer } from './hub-server.js';
import { MemoryCacheStorage } from './memory-cache-storage.js';

// onnxruntime-web (WebAssembly) also runs in Node: serve its files from node_modules.
const wasmPaths = pathToFileURL(
  join(dirname(fileURLToPath(import.meta.url)), '../node_modules/onnxruntime-web/dist/'),
).href;
const repository = 'tester/tiny-web';
let temporary: string;
let fixture: string;
let reference: Reference;
let server: HubServer;
let storage: MemoryCacheStorage;

beforeAll(async () => {
  registerWebBackend({ wasmPaths, numThreads: 1 });
  temporary = await temporaryFolder();
  fixture = await makeModelFolder(temporary);
  reference = await readReference();
  storage = new MemoryCacheStorage();
  (globalThis as { caches?: unknown }).caches = storage;
  server = await startHubServer(fixture, repository);
});

afterEach(() => {
  for (const key of Object.keys(server.behaviour)) {
    delete server.behaviour[key as keyof typeof server.behaviour];
  }
});

afterAll(async () => {
  (globalThis as { caches?: unknown }).caches = undefined;
  await server.close();
  await removeFolder(temporary);
});

const options = { backend: 'onnxruntime-web' };

describe('the web entry point (fetch + Cache API + onnxruntime-web)', () => {
  it('downloads into the Cache API and runs on onnxruntime-web', async () => {
    const progress: LoadProgress[] = [];
    const model = await loadModel(repository, {
      ...options,
      endpoint: server.endpoint,
      onProgress: (report) => progress.push(report),
    });
    expect(model.backend).toBe('onnxruntime-web');
    expect(model.tokenizerModel?.byteLength).toBe(4096);
    const prompt = reference.prompts[0];
    const session = model.createSession();
    const logits = await session.prefill(prompt.input_ids);
    expect(maxAbsDifference(logits, prompt.prefill_logits.at(-1)!)).toBeLessThanOrEqual(1e-4);
    for (const step of prompt.steps) {
      expect(maxAbsDifference(await session.step(step.input_id), step.logits)).toBeLessThanOrEqual(
        1e-4,
      );
    }
    await model.dispose();

    const cache = storage.caches.get('bg-gpt2')!;
    const modelUrl = `${server.endpoint}/${repository}/resolve/main/model.onnx`;
    expect(cache.entries.has(modelUrl)).toBe(true);
    const reports = progress.filter((report) => report.file === 'model.onnx');
    expect(reports.at(-1)!.loaded).toBe(reports.at(-1)!.total);

    const requests = server.requests.length;
    const offline = await loadModel(repository, {
      ...options,
      endpoint: server.endpoint,
      offline: true,
    });
    expect(server.requests.length).toBe(requests);
    await offline.dispose();
  });

  it('answers OFFLINE_MISS for an uncached model and MODEL_NOT_FOUND for a 404', async () => {
    await expect(
      loadModel('tester/not-cached', { ...options, endpoint: server.endpoint, offline: true }),
    ).rejects.toMatchObject({ code: 'OFFLINE_MISS' });
    server.behaviour.status = { 'config.json': 404 };
    await expect(
      loadModel(repository, { ...options, endpoint: server.endpoint, cacheName: false }),
    ).rejects.toThrow(/has no config\.json/);
  });

  it('refuses a sha256 mismatch and caches nothing', async () => {
    const other = await startHubServer(fixture, 'tester/corrupt', 'main', {
      wrongSha256: { 'model.onnx': 'cd'.repeat(32) },
    });
    try {
      const error = await rejection(
        loadModel('tester/corrupt', { ...options, endpoint: other.endpoint, tokenizer: false }),
      );
      expect(error).toMatchObject({ code: 'INTEGRITY_FAILED' });
      const cache = storage.caches.get('bg-gpt2')!;
      expect(cache.entries.has(`${other.endpoint}/tester/corrupt/resolve/main/model.onnx`)).toBe(
        false,
      );
    } finally {
      await other.close();
    }
  });

  it('answers DOWNLOAD_FAILED for an unreachable host', async () => {
    const closed = await startHubServer(fixture, 'tester/gone');
    await closed.close();
    await expect(
      loadModel('tester/gone', {
        ...options,
        endpoint: closed.endpoint,
        retries: 0,
        cacheName: false,
      }),
    ).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
  });

  it('converts a checkpoint-only model in memory and caches the result', async () => {
    const folder = join(temporary, 'checkpoint');
    await mkdir(folder, { recursive: true });
    await copyFile(tinyConfigPath, join(folder, 'config.json'));
    await copyFile(join(tinyFolder, 'model.safetensors'), join(folder, 'model.safetensors'));
    const checkpointServer = await startHubServer(folder, 'tester/checkpoint');
    try {
      const progress: LoadProgress[] = [];
      const model = await loadModel(`${checkpointServer.endpoint}/tester/checkpoint/resolve/main`, {
        ...options,
        tokenizer: false,
        onProgress: (report) => progress.push(report),
      });
      expect(progress.some((report) => report.phase === 'convert')).toBe(true);
      const prompt = reference.prompts[0];
      // The runtime's own layout (new_key_values.*), stepped on onnxruntime-web; the web
      // backend takes no pre-allocated outputs.
      expect(model.signature.keyValueOutputs).toBe('new');
      expect(model.outputTensor).toBeUndefined();
      const session = model.createSession();
      const logits = await session.prefill(prompt.input_ids);
      expect(argmax(logits)).toBe(prompt.first_token);
      for (const step of prompt.steps) {
        const stepLogits = await session.step(step.input_id);
        expect(maxAbsDifference(stepLogits, step.logits)).toBeLessThanOrEqual(1e-4);
      }
      await model.dispose();
      const keys = [...storage.caches.get('bg-gpt2')!.entries.keys()];
      expect(
        keys.some((key) =>
          /bg-gpt2\.invalid\/converted\/[0-9a-f]{64}-fp32-new-kv-r[\w.-]+\/model\.onnx$/.test(key),
        ),
      ).toBe(true);
    } finally {
      await checkpointServer.close();
    }
  });
});
