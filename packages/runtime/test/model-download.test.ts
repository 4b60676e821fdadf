import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  hubCacheFolder,
  type LoadProgress,
  loadModel,
  prepareModel,
  RuntimeError,
  urlCacheFolder,
} from '../src/node.js';
import {
  makeModelFolder,
  maxAbsDifference,
  type Reference,
  readReference,
  rejection,
  removeFolder,
  temporaryFolder,
} from './fixtures.js';
import { type HubServer, startHubServer } from './hub-server.js';

const repository = 'tester/tiny-gpt2';
let fixtureParent: string;
let fixture: string;
let reference: Reference;
let cacheDirectory: string;
let server: HubServer;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Every file under a folder, relative, sorted. */
async function listFiles(folder: string): Promise<string[]> {
  if (!(await exists(folder))) return [];
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

/** Whether two files hold the same bytes (toEqual on megabyte buffers is slow). */
async function sameFiles(left: string, right: string): Promise<boolean> {
  return (await readFile(left)).equals(await readFile(right));
}

function fileRequests(file: string) {
  return server.requests.filter((request) => request.path.endsWith(`/${file}`));
}

beforeAll(async () => {
  reference = await readReference();
  fixtureParent = await temporaryFolder();
  fixture = await makeModelFolder(fixtureParent);
});

afterAll(async () => {
  await removeFolder(fixtureParent);
});

beforeEach(async () => {
  cacheDirectory = await temporaryFolder('bg-gpt2-cache-');
  server = await startHubServer(fixture, repository);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
  await removeFolder(cacheDirectory);
});

const quick = { retryDelay: 5, sessionOptions: { intraOpNumThreads: 1 } };

describe('loadModel from a hub repository', () => {
  it('downloads into the cache, with monotonic progress, and runs the model', async () => {
    const progress: LoadProgress[] = [];
    const model = await loadModel(`${repository}@main`, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
      onProgress: (report) => progress.push(report),
    });
    const folder = hubCacheFolder(cacheDirectory, { repository, revision: 'main' });
    expect(folder).toBe(join(cacheDirectory, 'hub', 'tester--tiny-gpt2', 'main'));
    expect(await listFiles(folder)).toEqual([
      'config.json',
      'model.onnx',
      'spiece.model',
      'tokenizer_config.json',
    ]);
    for (const file of ['config.json', 'model.onnx', 'spiece.model']) {
      expect(await sameFiles(join(folder, file), join(fixture, file))).toBe(true);
    }
    expect(model.files['model.onnx']).toBe(join(folder, 'model.onnx'));
    expect(model.tokenizerModel?.byteLength).toBe(4096);
    expect(model.tokenizerConfig).toEqual({ keep_accents: true });

    const prompt = reference.prompts[0];
    const logits = await model.createSession().prefill(prompt.input_ids);
    expect(maxAbsDifference(logits, prompt.prefill_logits.at(-1)!)).toBeLessThanOrEqual(1e-4);
    await model.dispose();

    const size = (await stat(join(fixture, 'model.onnx'))).size;
    const modelReports = progress.filter((report) => report.file === 'model.onnx');
    expect(modelReports.length).toBeGreaterThan(1);
    for (let index = 1; index < modelReports.length; index++) {
      expect(modelReports[index].loaded).toBeGreaterThanOrEqual(modelReports[index - 1].loaded);
    }
    expect(modelReports.at(-1)).toEqual({
      phase: 'download',
      file: 'model.onnx',
      loaded: size,
      total: size,
    });
    expect(modelReports.every((report) => report.total === size)).toBe(true);

    // Loaded again: everything from the cache, no request at all.
    const before = server.requests.length;
    const again = await loadModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
    });
    expect(server.requests.length).toBe(before);
    await again.dispose();
  });

  it('downloads again with refresh: true', async () => {
    const options = { ...quick, endpoint: server.endpoint, cacheDirectory, tokenizer: false };
    await prepareModel(repository, options);
    await prepareModel(repository, options);
    expect(fileRequests('model.onnx').length).toBe(1);
    await prepareModel(repository, { ...options, refresh: true });
    expect(fileRequests('model.onnx').length).toBe(2);
  });

  it('follows the hub redirect of LFS files and checks the linked sha256', async () => {
    server.behaviour.redirect = ['model.onnx'];
    const prepared = await prepareModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
    });
    expect(await sameFiles(prepared.modelPath, join(fixture, 'model.onnx'))).toBe(true);
    expect(server.requests.some((request) => request.path === '/cdn/model.onnx')).toBe(true);
  });

  it('sends HF_TOKEN to the hub', async () => {
    vi.stubEnv('HF_TOKEN', 'secret-token');
    await prepareModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
      tokenizer: false,
    });
    expect(fileRequests('config.json')[0].authorization).toBe('Bearer secret-token');
  });

  it('takes the endpoint from BG_GPT2_HUB_ENDPOINT, then HF_ENDPOINT', async () => {
    vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:9');
    vi.stubEnv('BG_GPT2_HUB_ENDPOINT', server.endpoint);
    const prepared = await prepareModel(repository, { ...quick, cacheDirectory, tokenizer: false });
    expect(prepared.config.vocabularySize).toBe(1000);
  });

  it('tolerates a missing optional file and remembers it is missing', async () => {
    await rm(join(fixture, 'tokenizer_config.json'));
    try {
      const first = await prepareModel(repository, {
        ...quick,
        endpoint: server.endpoint,
        cacheDirectory,
      });
      expect(first.tokenizerConfig).toBeUndefined();
      expect(fileRequests('tokenizer_config.json').length).toBe(1);
      await prepareModel(repository, { ...quick, endpoint: server.endpoint, cacheDirectory });
      expect(fileRequests('tokenizer_config.json').length).toBe(1);
    } finally {
      await writeFile(
        join(fixture, 'tokenizer_config.json'),
        JSON.stringify({ keep_accents: true }),
      );
    }
  });

  it('finds onnx/model.onnx and dtype variants', async () => {
    const variants = await temporaryFolder();
    try {
      const folder = join(variants, 'model');
      await makeModelFolder(variants, 'model');
      await rm(join(folder, 'model.onnx'));
      const { mkdir, copyFile } = await import('node:fs/promises');
      await mkdir(join(folder, 'onnx'));
      await copyFile(join(fixture, 'model.onnx'), join(folder, 'onnx', 'model_q4.onnx'));
      const local = await server.close().then(() => startHubServer(folder, repository));
      server = local;
      const prepared = await prepareModel(repository, {
        ...quick,
        endpoint: server.endpoint,
        cacheDirectory,
        dtype: 'q4',
      });
      expect(prepared.modelPath.endsWith(join('onnx', 'model_q4.onnx'))).toBe(true);
      expect(fileRequests('model_q4.onnx').map((request) => request.path)).toEqual([
        `/${repository}/resolve/main/model_q4.onnx`,
        `/${repository}/resolve/main/onnx/model_q4.onnx`,
      ]);
    } finally {
      await removeFolder(variants);
    }
  });

  it('answers MODEL_NOT_FOUND naming the file for a 404, and for an unknown repository', async () => {
    const missingConfig = loadModel('tester/other-model', {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
    });
    await expect(missingConfig).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(missingConfig).rejects.toThrow(/private or gated/);

    server.behaviour.status = { 'config.json': 404 };
    const error = await rejection(
      loadModel(repository, { ...quick, endpoint: server.endpoint, cacheDirectory }),
    );
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain('config.json');
    expect(error.message).toContain(repository);
  });

  it('names every weights file it looked for when none exists', async () => {
    server.behaviour.status = { 'model.onnx': 404 };
    const error = await rejection(
      prepareModel(repository, { ...quick, endpoint: server.endpoint, cacheDirectory }),
    );
    expect(error).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(error.message).toMatch(
      /model\.onnx, onnx\/model\.onnx, model\.safetensors, pytorch_model\.bin/,
    );
  });
});

describe('interrupted and corrupt downloads', () => {
  it('resumes a connection dropped mid-file with a Range request', async () => {
    server.behaviour.dropAfter = { 'model.onnx': 300_000 };
    const progress: LoadProgress[] = [];
    const prepared = await prepareModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
      tokenizer: false,
      onProgress: (report) => progress.push(report),
    });
    const requests = fileRequests('model.onnx');
    expect(requests.length).toBe(2);
    expect(requests[0].range).toBeUndefined();
    expect(requests[1].range).toMatch(/^bytes=\d+-$/);
    const resumedAt = Number(/\d+/.exec(requests[1].range!)![0]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(300_000);
    expect(await sameFiles(prepared.modelPath, join(fixture, 'model.onnx'))).toBe(true);
    expect(await exists(`${prepared.modelPath}.part`)).toBe(false);
    const loaded = progress
      .filter((report) => report.file === 'model.onnx')
      .map((report) => report.loaded);
    expect(loaded).toEqual([...loaded].sort((left, right) => left - right));
  });

  it('resumes a .part left by an earlier process', async () => {
    const folder = hubCacheFolder(cacheDirectory, { repository, revision: 'main' });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(folder, { recursive: true });
    const whole = await readFile(join(fixture, 'model.onnx'));
    await writeFile(join(folder, 'model.onnx.part'), whole.subarray(0, 123_456));
    const prepared = await prepareModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
      tokenizer: false,
    });
    expect(fileRequests('model.onnx').map((request) => request.range)).toEqual(['bytes=123456-']);
    expect((await readFile(prepared.modelPath)).equals(whole)).toBe(true);
  });

  it('refuses a file whose sha256 is not the announced one, leaving nothing under the final name', async () => {
    server.behaviour.wrongSha256 = { 'model.onnx': 'ab'.repeat(32) };
    const error = await rejection(
      prepareModel(repository, {
        ...quick,
        endpoint: server.endpoint,
        cacheDirectory,
        tokenizer: false,
      }),
    );
    expect(error).toMatchObject({ code: 'INTEGRITY_FAILED' });
    expect(error.message).toContain('model.onnx');
    const folder = hubCacheFolder(cacheDirectory, { repository, revision: 'main' });
    expect(await listFiles(folder)).toEqual(['config.json']);
  });

  it('gives up with DOWNLOAD_FAILED after retrying server errors', async () => {
    server.behaviour.status = { 'config.json': 503 };
    const error = await rejection(
      prepareModel(repository, { ...quick, retries: 2, endpoint: server.endpoint, cacheDirectory }),
    );
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(fileRequests('config.json').length).toBe(3);
  });
});

describe('offline mode and unreachable hosts', () => {
  it('serves from the cache offline (option and BG_GPT2_OFFLINE=1)', async () => {
    await prepareModel(repository, { ...quick, endpoint: server.endpoint, cacheDirectory });
    await server.close();
    const model = await loadModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
      offline: true,
    });
    expect(model.config.layerCount).toBe(2);
    await model.dispose();
    vi.stubEnv('BG_GPT2_OFFLINE', '1');
    const fromEnvironment = await loadModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
    });
    await fromEnvironment.dispose();
    server = await startHubServer(fixture, repository);
  });

  it('answers OFFLINE_MISS naming the file and how to download it', async () => {
    const error = await rejection(
      loadModel(repository, { ...quick, endpoint: server.endpoint, cacheDirectory, offline: true }),
    );
    expect(error).toMatchObject({ code: 'OFFLINE_MISS' });
    expect(error.message).toContain('config.json');
    expect(error.message).toMatch(/network|pull/);
    expect(server.requests).toEqual([]);

    // Cached config, no weights: the miss names the weights.
    await prepareModel(repository, {
      ...quick,
      endpoint: server.endpoint,
      cacheDirectory,
      tokenizer: false,
    });
    await rm(join(hubCacheFolder(cacheDirectory, { repository, revision: 'main' }), 'model.onnx'));
    await expect(
      prepareModel(repository, {
        ...quick,
        endpoint: server.endpoint,
        cacheDirectory,
        offline: true,
        tokenizer: false,
      }),
    ).rejects.toThrow(/model\.onnx/);
  });

  it('answers DOWNLOAD_FAILED with the file, the URL and the way out for an unreachable host', async () => {
    const closed = server.endpoint;
    await server.close();
    const error = await rejection(
      loadModel(repository, { ...quick, retries: 1, endpoint: closed, cacheDirectory }),
    );
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    const message = error.message;
    expect(message).toContain('config.json');
    expect(message).toContain(`${closed}/${repository}/resolve/main/config.json`);
    expect(message).toMatch(/ECONNREFUSED/);
    expect(message).toMatch(/offline/);
    expect(message).toMatch(/local folder/);
    server = await startHubServer(fixture, repository);
  });
});

describe('loadModel from a base URL and a folder', () => {
  it('downloads from an http(s) base URL into url/<sha256 of the URL>/', async () => {
    const base = `${server.endpoint}/${repository}/resolve/main/`;
    const prepared = await prepareModel(base, { ...quick, cacheDirectory });
    const folder = urlCacheFolder(cacheDirectory, base);
    expect(folder).toMatch(/url[/\\][0-9a-f]{64}$/);
    expect(prepared.modelPath).toBe(join(folder, 'model.onnx'));
  });

  it('loads a local folder without the network', async () => {
    const model = await loadModel(fixture, quick);
    expect(model.files['model.onnx']).toBe(join(fixture, 'model.onnx'));
    expect(model.tokenizerModel?.byteLength).toBe(4096);
    await model.dispose();
    expect(server.requests).toEqual([]);
  });

  it('refuses a source that is neither', async () => {
    await expect(loadModel('./no/such/folder/here', quick)).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
    await expect(loadModel(fixtureParent, quick)).rejects.toThrow(/config\.json/);
  });
});
