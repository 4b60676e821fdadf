import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveBackend } from '../backend-registry.js';
import { environmentFlag, readEnvironment } from '../environment.js';
import { RuntimeError } from '../errors.js';
import type { LoadModelOptions } from '../load-options.js';
import { Model, type ModelDetails } from '../model.js';
import { type ModelConfig, parseModelConfigText } from '../model-config.js';
import { checkModelDataType } from '../model-data-type.js';
import { locateModelFiles, type ModelFileStore } from '../model-files.js';
import {
  baseUrlFile,
  hubFileUrl,
  isHttpUrl,
  parseHubRepository,
  resolveHubEndpoint,
} from '../model-source.js';
import { sessionCreationError } from '../session-creation-error.js';
import { defaultCacheDirectory, hubCacheFolder, urlCacheFolder } from './cache-directory.js';
import { CachedDownloadStore } from './cached-download-store.js';
import { convertCheckpoint } from './checkpoint-conversion.js';
import { FolderStore } from './folder-store.js';

/** Options of the Node `loadModel`. */
export interface NodeLoadModelOptions extends LoadModelOptions {
  /** Where downloads and conversions are kept (default {@link defaultCacheDirectory}). */
  cacheDirectory?: string;
  /** Milliseconds before the first retry of a failed download, doubled each time (default 250). */
  retryDelay?: number;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Whether offline mode is on: the option, else `BG_GPT2_OFFLINE` / `HF_HUB_OFFLINE`. */
export function isOffline(option: boolean | undefined): boolean {
  return option ?? (environmentFlag('BG_GPT2_OFFLINE') || environmentFlag('HF_HUB_OFFLINE'));
}

/**
 * The store of a source string: an http(s) base URL, an existing folder, or a hub repository id
 * `owner/name[@revision]` (a folder of that name wins, as with Hugging Face's libraries).
 */
async function openStore(
  source: string,
  options: NodeLoadModelOptions,
  cacheDirectory: string,
): Promise<ModelFileStore<string>> {
  const offline = isOffline(options.offline);
  const common = {
    offline,
    refresh: options.refresh,
    onProgress: options.onProgress,
    retries: options.retries,
    retryDelay: options.retryDelay,
    signal: options.signal,
  };
  if (isHttpUrl(source)) {
    const baseUrl = source.replace(/\/+$/, '');
    return new CachedDownloadStore({
      ...common,
      description: `the URL ${baseUrl}`,
      folder: urlCacheFolder(cacheDirectory, baseUrl),
      fileUrl: (file) => baseUrlFile(baseUrl, file),
    });
  }
  if (await isDirectory(source)) return new FolderStore(resolve(source));
  const hub = parseHubRepository(source, options.revision);
  if (hub !== undefined) {
    const endpoint = resolveHubEndpoint(options.endpoint);
    const token = options.token ?? readEnvironment('HF_TOKEN');
    return new CachedDownloadStore({
      ...common,
      description: `the hub repository ${hub.repository}@${hub.revision} (${endpoint})`,
      folder: hubCacheFolder(cacheDirectory, hub),
      fileUrl: (file) => hubFileUrl(endpoint, hub, file),
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  }
  throw new RuntimeError(
    'MODEL_NOT_FOUND',
    `"${source}" is not a model folder that exists, an http(s) URL, or a hub repository id ` +
      '(owner/name or owner/name@revision). Check the path or the name.',
  );
}

/** A model's files, ready on disk: what {@link prepareModel} returns. */
export interface PreparedModel {
  /** The source as given. */
  source: string;
  config: ModelConfig;
  /** The ONNX model to load (in the cache, when it was converted from a checkpoint). */
  modelPath: string;
  /** File name (`config.json`, `spiece.model`, …) → local path. */
  files: Record<string, string>;
  /** Bytes of `spiece.model`, when the tokenizer was asked for and the model has one. */
  tokenizerModel?: Uint8Array;
  /** Text of `tokenizer.json`, when there is no `spiece.model`. */
  tokenizerJson?: string;
  /** Parsed `tokenizer_config.json`, when present. */
  tokenizerConfig?: Record<string, unknown>;
}

/**
 * Gets a model's files onto the disk without creating a session — downloading (with progress,
 * resume, size and sha256 checks, into the cache) and converting a checkpoint as needed. What
 * `bg-gpt2 pull` does; {@link loadModel} calls it. Sources and errors as for {@link loadModel}.
 */
export async function prepareModel(
  source: string | URL,
  options: NodeLoadModelOptions = {},
): Promise<PreparedModel> {
  const sourceText = source instanceof URL ? source.href : source;
  if (typeof sourceText !== 'string' || sourceText === '') {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      'loadModel() needs a folder, a URL or a hub repository id.',
    );
  }
  const dataType = checkModelDataType(options.dtype);
  const cacheDirectory = resolve(options.cacheDirectory ?? defaultCacheDirectory());
  const store = await openStore(sourceText, options, cacheDirectory);
  const located = await locateModelFiles(store, {
    dataType,
    tokenizer: options.tokenizer ?? true,
  });

  const config = parseModelConfigText(await readFile(located.config, 'utf8'), located.config);
  const files: Record<string, string> = { 'config.json': located.config };
  let modelPath: string;
  if (located.onnx !== undefined) {
    modelPath = located.onnx.handle;
    files[located.onnx.file] = modelPath;
  } else {
    const checkpoint = located.checkpoint!;
    files[checkpoint.file] = checkpoint.handle;
    modelPath = await convertCheckpoint({
      configPath: located.config,
      checkpointPath: checkpoint.handle,
      dataType,
      keyValueOutputs: options.keyValueOutputs,
      cacheDirectory,
      onProgress: options.onProgress,
    });
    files['model.onnx'] = modelPath;
  }

  const prepared: PreparedModel = { source: sourceText, config, modelPath, files };
  if (located.tokenizer !== undefined) {
    files[located.tokenizer.file] = located.tokenizer.handle;
    if (located.tokenizer.file === 'spiece.model') {
      prepared.tokenizerModel = new Uint8Array(await readFile(located.tokenizer.handle));
    } else {
      prepared.tokenizerJson = await readFile(located.tokenizer.handle, 'utf8');
    }
  }
  if (located.tokenizerConfig !== undefined) {
    files['tokenizer_config.json'] = located.tokenizerConfig;
    const text = await readFile(located.tokenizerConfig, 'utf8');
    try {
      prepared.tokenizerConfig = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new RuntimeError(
        'MODEL_INVALID',
        `${located.tokenizerConfig} is not valid JSON; delete it (and download it again).`,
        { cause },
      );
    }
  }
  return prepared;
}

/**
 * Loads a GPT-2 model in Node, from
 * - a local folder: `config.json` + `model.onnx` (or `onnx/model.onnx`, or the dtype's
 *   `model_q4.onnx`, …), or only the Hugging Face checkpoint (`model.safetensors` /
 *   `pytorch_model.bin`), which is converted to ONNX on first use and cached;
 * - an http(s) base URL (files at `${url}/${file}`);
 * - a hub repository id `owner/name[@revision]` (files at
 *   `${endpoint}/${owner}/${name}/resolve/${revision}/${file}`).
 *
 * Downloads go to the cache ({@link defaultCacheDirectory}) atomically, with progress, resume and
 * size/sha256 checks; a cached file is used without the network. Also reads the tokenizer files
 * (unless `tokenizer: false`) and creates the ONNX Runtime session on the best backend.
 *
 * ```ts
 * const model = await loadModel('rmihaylov/gpt2-small-theseus-bg', { onProgress: console.log });
 * ```
 *
 * @throws RuntimeError `MODEL_NOT_FOUND`, `DOWNLOAD_FAILED`, `INTEGRITY_FAILED`, `OFFLINE_MISS`,
 *   `CONVERSION_UNAVAILABLE`, `MODEL_INVALID`, `NO_BACKEND`, `INVALID_ARGUMENT`.
 */
export async function loadModel(
  source: string | URL,
  options: NodeLoadModelOptions = {},
): Promise<Model> {
  const prepared = await prepareModel(source, options);
  const { name, backend } = await resolveBackend(options.backend);
  const modelPath = prepared.modelPath;
  let session: Awaited<ReturnType<typeof backend.createSession>>;
  try {
    session = await backend.createSession(modelPath, options.sessionOptions);
  } catch (cause) {
    throw sessionCreationError(
      name,
      modelPath,
      cause,
      'Delete the file to download or convert it again, or check that it is a GPT-2 ONNX model.',
    );
  }
  const details: ModelDetails = {
    source: prepared.source,
    files: prepared.files,
    backend: name,
  };
  if (backend.outputTensor !== undefined) details.outputTensor = backend.outputTensor;
  if (prepared.tokenizerModel !== undefined) details.tokenizerModel = prepared.tokenizerModel;
  if (prepared.tokenizerJson !== undefined) details.tokenizerJson = prepared.tokenizerJson;
  if (prepared.tokenizerConfig !== undefined) details.tokenizerConfig = prepared.tokenizerConfig;
  try {
    return new Model(session, prepared.config, details);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error;
  }
}
