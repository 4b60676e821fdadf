import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadProgress, loadModel } from '../src/node.js';
import {
  argmax,
  maxAbsDifference,
  type Reference,
  readReference,
  removeFolder,
  temporaryFolder,
  tinyConfigPath,
  tinyFolder,
} from './fixtures.js';
import { startHubServer } from './hub-server.js';

let temporary: string;
let reference: Reference;

beforeAll(async () => {
  temporary = await temporaryFolder();
  reference = await readReference();
});

afterAll(async () => {
  await removeFolder(temporary);
});

async function checkpointFolder(name: string, weights: string): Promise<string> {
  const folder = join(temporary, name);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(folder, { recursive: true });
  await copyFile(tinyConfigPath, join(folder, 'config.json'));
  await copyFile(join(tinyFolder, weights), join(folder, weights));
  return folder;
}

const options = { tokenizer: false, sessionOptions: { intraOpNumThreads: 1 } };

describe('a folder with only a checkpoint', () => {
  for (const weights of ['pytorch_model.bin', 'model.safetensors']) {
    it(`is converted on first use and cached (${weights})`, async () => {
      const folder = await checkpointFolder(weights.replace('.', '-'), weights);
      const cacheDirectory = join(temporary, `cache-${weights}`);
      const progress: LoadProgress[] = [];
      const model = await loadModel(folder, {
        ...options,
        cacheDirectory,
        onProgress: (report) => progress.push(report),
      });
      expect(progress.some((report) => report.phase === 'convert')).toBe(true);
      expect(model.files[weights]).toBe(join(folder, weights));
      expect(model.files['model.onnx']).toMatch(
        /converted[/\\][0-9a-f]{64}-fp32-new-kv-r[\w.-]+[/\\]model\.onnx$/,
      );
      expect(model.signature.logitsToKeep).toBe('num_logits_to_keep');
      expect(model.signature.keyValueOutputs).toBe('new');

      const prompt = reference.prompts[1];
      const session = model.createSession();
      const logits = await session.prefill(prompt.input_ids);
      expect(maxAbsDifference(logits, prompt.prefill_logits.at(-1)!)).toBeLessThanOrEqual(1e-4);
      for (const step of prompt.steps) {
        const stepLogits = await session.step(step.input_id);
        expect(maxAbsDifference(stepLogits, step.logits)).toBeLessThanOrEqual(1e-4);
        expect(argmax(stepLogits)).toBe(step.argmax);
      }
      await model.dispose();

      const converted = await readdir(join(cacheDirectory, 'converted'), { recursive: true });
      expect(converted.filter((entry) => entry.endsWith('.part'))).toEqual([]);

      // Second load: found in the cache, no conversion.
      const again: LoadProgress[] = [];
      const cached = await loadModel(folder, {
        ...options,
        cacheDirectory,
        onProgress: (report) => again.push(report),
      });
      expect(again).toEqual([]);
      expect(cached.files['model.onnx']).toBe(model.files['model.onnx']);
      await cached.dispose();
    });
  }

  it('converts again when the converter writes differently (its revision is in the cache key)', async () => {
    const folder = await checkpointFolder('revisions', 'model.safetensors');
    const cacheDirectory = join(temporary, 'cache-revisions');
    const first = await loadModel(folder, { ...options, cacheDirectory });
    const path = first.files['model.onnx']!;
    await first.dispose();
    // The same conversion as an older converter would have left it: a different revision.
    const older = path.replace(/-r[\w.-]+([/\\]model\.onnx)$/, '-r2000-01-01$1');
    await mkdir(dirname(older), { recursive: true });
    await writeFile(older, 'an older conversion');
    await rm(dirname(path), { recursive: true });
    const phases: string[] = [];
    const again = await loadModel(folder, {
      ...options,
      cacheDirectory,
      onProgress: ({ phase }) => phases.push(phase),
    });
    expect(phases).toContain('convert');
    expect(again.files['model.onnx']).toBe(path);
    await again.dispose();
  });

  it('is downloaded from the hub and converted', async () => {
    const folder = await checkpointFolder('hub-checkpoint', 'pytorch_model.bin');
    const server = await startHubServer(folder, 'tester/checkpoint-only');
    try {
      const model = await loadModel('tester/checkpoint-only', {
        ...options,
        endpoint: server.endpoint,
        cacheDirectory: join(temporary, 'cache-hub'),
        dtype: 'fp16',
      });
      expect(model.files['model.onnx']).toMatch(/-fp16-new-kv-r[\w.-]+[/\\]model\.onnx$/);
      const prompt = reference.prompts[0];
      const logits = await model.createSession().prefill(prompt.input_ids);
      expect(argmax(logits)).toBe(prompt.first_token);
      await model.dispose();
      const asked = server.requests.map((request) => request.path.split('/').pop());
      expect(asked).toEqual([
        'config.json',
        'model_fp16.onnx',
        'model_fp16.onnx',
        'model.safetensors',
        'pytorch_model.bin',
      ]);
    } finally {
      await server.close();
    }
  });

  it('converts to the Optimum layout (present.* outputs) when asked', async () => {
    const folder = await checkpointFolder('present-layout', 'model.safetensors');
    const model = await loadModel(folder, {
      ...options,
      cacheDirectory: join(temporary, 'cache-present'),
      keyValueOutputs: 'present',
    });
    expect(model.files['model.onnx']).toMatch(/[0-9a-f]{64}-fp32-r[\w.-]+[/\\]model\.onnx$/);
    expect(model.signature.keyValueOutputs).toBe('present');
    expect(model.signature.presentKeys).toEqual(['present.0.key', 'present.1.key']);
    const prompt = reference.prompts[1];
    const session = model.createSession();
    await session.prefill(prompt.input_ids);
    for (const step of prompt.steps) {
      const stepLogits = await session.step(step.input_id);
      expect(maxAbsDifference(stepLogits, step.logits)).toBeLessThanOrEqual(1e-4);
    }
    await model.dispose();
  });

  it('refuses a dtype the converter cannot write', async () => {
    const folder = await checkpointFolder('bad-dtype', 'pytorch_model.bin');
    await expect(
      loadModel(folder, {
        ...options,
        cacheDirectory: join(temporary, 'cache-bad'),
        dtype: 'bnb4',
      }),
    ).rejects.toMatchObject({ code: 'CONVERSION_UNAVAILABLE' });
  });
});
