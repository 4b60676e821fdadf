import { resolveBackend } from '../backend-registry.js';
import { RuntimeError } from '../errors.js';
import type { LoadModelOptions } from '../load-options.js';
import { Model, type ModelDetails } from '../model.js';
import { parseModelConfigText } from '../model-config.js';
import { checkModelDataType } from '../model-data-type.js';
import { locateModelFiles } from '../model-files.js';
import {
  baseUrlFile,
  hubFileUrl,
  isHttpUrl,
  parseHubRepository,
  resolveHubEndpoint,
} from '../model-source.js';
import { sessionCreationError } from '../session-creation-error.js';
import { BrowserCacheStore } from './browser-cache-store.js';

/** Options of the web `loadModel`. */
export interface WebLoadModelOptions extends LoadModelOptions {
  /**
   * The Cache API cache to keep downloads in (default `bg-gpt2`); `false` to not cache. Without
   * the Cache API (insecure pages, some runtimes) files are fetched every time.
   */
  cacheName?: string | false;
}

async function openCache(name: string | false | undefined): Promise<Cache | undefined> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (name === false || storage === undefined) return undefined;
  try {
    return await storage.open(name ?? 'bg-gpt2');
  } catch {
    return undefined;
  }
}

function relativeBase(source: string): string | undefined {
  if (!/^(\.{0,2}\/)/.test(source)) return undefined;
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  return base === undefined ? undefined : new URL(source, base).href;
}

/**
 * Loads a GPT-2 model in a browser (or any runtime with `fetch`), from an http(s) base URL, a
 * path on the page's server (`/models/tiny`, `./model`), or a hub repository id
 * `owner/name[@revision]`. Files are fetched once and kept in the Cache API
 * (`caches.open('bg-gpt2')`); `offline: true` uses only the cache. A source with only a
 * checkpoint is converted in memory with `@bg-gpt2/convert` (loaded on demand) and the result
 * cached. The session is created on the best registered backend (onnxruntime-web by default).
 *
 * @throws RuntimeError `MODEL_NOT_FOUND`, `DOWNLOAD_FAILED`, `INTEGRITY_FAILED`, `OFFLINE_MISS`,
 *   `CONVERSION_UNAVAILABLE`, `MODEL_INVALID`, `NO_BACKEND`, `INVALID_ARGUMENT`.
 */
export async function loadModel(
  source: string | URL,
  options: WebLoadModelOptions = {},
): Promise<Model> {
  const sourceText = source instanceof URL ? source.href : source;
  if (typeof sourceText !== 'string' || sourceText === '') {
    throw new RuntimeError('INVALID_ARGUMENT', 'loadModel() needs a URL or a hub repository id.');
  }
  const dataType = checkModelDataType(options.dtype);
  const cache = await openCache(options.cacheName);
  const common = {
    cache,
    offline: options.offline === true,
    refresh: options.refresh,
    onProgress: options.onProgress,
    retries: options.retries,
    signal: options.signal,
  };
  let store: BrowserCacheStore;
  const base = isHttpUrl(sourceText) ? sourceText.replace(/\/+$/, '') : relativeBase(sourceText);
  const hub = base === undefined ? parseHubRepository(sourceText, options.revision) : undefined;
  if (base !== undefined) {
    store = new BrowserCacheStore({
      ...common,
      description: `the URL ${base}`,
      fileUrl: (file) => baseUrlFile(base, file),
    });
  } else if (hub !== undefined) {
    const endpoint = resolveHubEndpoint(options.endpoint);
    store = new BrowserCacheStore({
      ...common,
      description: `the hub repository ${hub.repository}@${hub.revision} (${endpoint})`,
      fileUrl: (file) => hubFileUrl(endpoint, hub, file),
      headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    });
  } else {
    throw new RuntimeError(
      'MODEL_NOT_FOUND',
      `"${sourceText}" is not an http(s) URL, a path on this server, or a hub repository id ` +
        '(owner/name or owner/name@revision).',
    );
  }

  const located = await locateModelFiles(store, { dataType, tokenizer: options.tokenizer ?? true });
  const configUrl = store.fileUrlOf('config.json');
  const configText = await located.config.text();
  const config = parseModelConfigText(configText, configUrl);
  const files: Record<string, string> = { 'config.json': configUrl };
  let modelBytes: Uint8Array;
  if (located.onnx !== undefined) {
    files[located.onnx.file] = store.fileUrlOf(located.onnx.file);
    modelBytes = new Uint8Array(await located.onnx.handle.arrayBuffer());
  } else {
    const checkpoint = located.checkpoint!;
    files[checkpoint.file] = store.fileUrlOf(checkpoint.file);
    // Loaded only here: pages that serve ONNX files never download the conversion code.
    const { convertInBrowser } = await import('./browser-conversion.js');
    modelBytes = await convertInBrowser({
      configText,
      checkpointFile: checkpoint.file,
      checkpoint: new Uint8Array(await checkpoint.handle.arrayBuffer()),
      dataType,
      keyValueOutputs: options.keyValueOutputs,
      cache,
      onProgress: options.onProgress,
    });
  }

  const details: ModelDetails = { source: sourceText, files };
  if (located.tokenizer !== undefined) {
    files[located.tokenizer.file] = store.fileUrlOf(located.tokenizer.file);
    if (located.tokenizer.file === 'spiece.model') {
      details.tokenizerModel = new Uint8Array(await located.tokenizer.handle.arrayBuffer());
    } else {
      details.tokenizerJson = await located.tokenizer.handle.text();
    }
  }
  if (located.tokenizerConfig !== undefined) {
    files['tokenizer_config.json'] = store.fileUrlOf('tokenizer_config.json');
    try {
      details.tokenizerConfig = JSON.parse(await located.tokenizerConfig.text()) as Record<
        string,
        unknown
      >;
    } catch (cause) {
      throw new RuntimeError('MODEL_INVALID', 'tokenizer_config.json is not valid JSON.', {
        cause,
      });
    }
  }

  const { name, backend } = await resolveBackend(options.backend);
  details.backend = name;
  if (backend.outputTensor !== undefined) details.outputTensor = backend.outputTensor;
  let session: Awaited<ReturnType<typeof backend.createSession>>;
  try {
    session = await backend.createSession(modelBytes, options.sessionOptions);
  } catch (cause) {
    throw sessionCreationError(
      name,
      `the model of ${sourceText}`,
      cause,
      'Check that it is a GPT-2 ONNX model, or clear the page’s cached files to download it again.',
    );
  }
  try {
    return new Model(session, config, details);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error;
  }
}
