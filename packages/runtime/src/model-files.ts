import { RuntimeError } from './errors.js';
import { type ModelDataType, onnxFileName } from './model-data-type.js';

/**
 * What a store knows about a file without the network: the file (`Handle`), `'missing'` when it
 * is known to be absent, or undefined when only the network can tell.
 */
export type FileLookup<Handle> = Handle | 'missing' | undefined;

/**
 * Where a model's files come from — a folder, a download cache over a URL or hub repository, the
 * browser's Cache API. `Handle` is what the store hands out (a path, bytes, …).
 */
export interface ModelFileStore<Handle> {
  /** The source as named in messages (`the folder /models/x`, `the hub repository a/b@main`). */
  readonly description: string;
  /** When true, {@link ModelFileStore.fetch} is never called. */
  readonly offline: boolean;
  /** The file if it is here (local or cached), without the network. */
  lookup(file: string): Promise<FileLookup<Handle>>;
  /** Downloads the file; undefined when the source does not have it (HTTP 404). */
  fetch(file: string): Promise<Handle | undefined>;
}

/** A file found in a store, with its name. */
export interface FoundFile<Handle> {
  file: string;
  handle: Handle;
}

/** The files of a model, as {@link locateModelFiles} found them. */
export interface LocatedModelFiles<Handle> {
  config: Handle;
  /** The ONNX model; absent when only a checkpoint was found. */
  onnx?: FoundFile<Handle>;
  /** `model.safetensors` or `pytorch_model.bin`, when there is no ONNX model. */
  checkpoint?: FoundFile<Handle>;
  /** `spiece.model` or (without it) `tokenizer.json`. */
  tokenizer?: FoundFile<Handle>;
  tokenizerConfig?: Handle;
}

/** Options of {@link locateModelFiles}. */
export interface LocateOptions {
  /** Which ONNX file to look for (`fp32` → `model.onnx`). */
  dataType: ModelDataType;
  /** Whether the tokenizer (`spiece.model` or `tokenizer.json`) is required. */
  tokenizer: boolean;
}

/** The checkpoint files a model may come as, in the order they are preferred. */
export const checkpointFileNames = ['model.safetensors', 'pytorch_model.bin'] as const;

/**
 * The first of `candidates` the store has: first among files already here (so a cached
 * checkpoint wins over probing the network for an ONNX file), then by downloading in order,
 * skipping files known to be missing. Undefined when none is there.
 */
export async function findFirst<Handle>(
  store: ModelFileStore<Handle>,
  candidates: readonly string[],
): Promise<FoundFile<Handle> | undefined> {
  const known = await Promise.all(candidates.map((file) => store.lookup(file)));
  for (let index = 0; index < candidates.length; index++) {
    const entry = known[index];
    if (entry !== undefined && entry !== 'missing')
      return { file: candidates[index], handle: entry };
  }
  if (store.offline) return undefined;
  for (let index = 0; index < candidates.length; index++) {
    if (known[index] === 'missing') continue;
    const handle = await store.fetch(candidates[index]);
    if (handle !== undefined) return { file: candidates[index], handle };
  }
  return undefined;
}

async function requireFirst<Handle>(
  store: ModelFileStore<Handle>,
  candidates: readonly string[],
  what: string,
): Promise<FoundFile<Handle>> {
  const found = await findFirst(store, candidates);
  if (found !== undefined) return found;
  const names = candidates.length === 1 ? candidates[0] : `none of ${candidates.join(', ')}`;
  if (store.offline) {
    const unknown: string[] = [];
    for (const file of candidates) {
      if ((await store.lookup(file)) === undefined) unknown.push(file);
    }
    if (unknown.length > 0) {
      throw new RuntimeError(
        'OFFLINE_MISS',
        `Offline mode: ${unknown.join(' / ')} (${what}) of ${store.description} is not in the cache. ` +
          'Run once with the network (for example `bg-gpt2 pull <model>`), or turn offline mode off ' +
          '(unset BG_GPT2_OFFLINE, drop --offline / offline: true), or pass a local model folder.',
      );
    }
  }
  throw new RuntimeError(
    'MODEL_NOT_FOUND',
    `${store.description} has ${candidates.length === 1 ? 'no ' : ''}${names} (${what}). Check the model name, revision or path.`,
  );
}

/**
 * Finds a model's files in a store: `config.json` (required), then the ONNX model
 * (`model.onnx` or `onnx/model.onnx`, or the dtype's variant) or else a checkpoint
 * (`model.safetensors`, else `pytorch_model.bin`), then the tokenizer (`spiece.model`, else
 * `tokenizer.json`; required only when asked) and `tokenizer_config.json` (optional).
 *
 * @throws RuntimeError `MODEL_NOT_FOUND` for a required file the source does not have,
 *   `OFFLINE_MISS` for one not cached in offline mode, and whatever the store throws
 *   (`DOWNLOAD_FAILED`, `INTEGRITY_FAILED`).
 */
export async function locateModelFiles<Handle>(
  store: ModelFileStore<Handle>,
  options: LocateOptions,
): Promise<LocatedModelFiles<Handle>> {
  const config = await requireFirst(store, ['config.json'], 'the model configuration');
  const onnxName = onnxFileName(options.dataType);
  const onnxNames = [onnxName, `onnx/${onnxName}`];
  const weights = await requireFirst(
    store,
    [...onnxNames, ...checkpointFileNames],
    'the model weights',
  );
  const located: LocatedModelFiles<Handle> = { config: config.handle };
  if (onnxNames.includes(weights.file)) located.onnx = weights;
  else located.checkpoint = weights;

  if (options.tokenizer) {
    located.tokenizer = await requireFirst(
      store,
      ['spiece.model', 'tokenizer.json'],
      'the tokenizer',
    );
    const tokenizerConfig = await findFirst(store, ['tokenizer_config.json']);
    if (tokenizerConfig !== undefined) located.tokenizerConfig = tokenizerConfig.handle;
  }
  return located;
}
