import { RuntimeError } from '../errors.js';
import type { LoadProgressCallback } from '../load-progress.js';
import type { ModelDataType } from '../model-data-type.js';
import type { KeyValueOutputs } from '../model-signature.js';

/** The parts of `@bg-gpt2/convert` used here (loaded only when a conversion is needed). */
interface ConverterModule {
  readGpt2Config(json: string | object): unknown;
  readSafetensors(bytes: Uint8Array): unknown;
  readTorchCheckpoint(bytes: Uint8Array): unknown;
  normalizeGpt2StateDict(stateDict: unknown, config: unknown): unknown;
  convertGpt2ToOnnx(
    weights: unknown,
    config: unknown,
    options: {
      dtype: string;
      keyValueOutputs?: KeyValueOutputs;
      onProgress?: (done: number, total: number, stage: string) => void;
    },
  ): { chunks: Uint8Array[] } | Uint8Array | Uint8Array[];
  /** What this converter writes (see `@bg-gpt2/convert`); older versions do not say. */
  converterRevision?: string;
}

/** What {@link convertInBrowser} needs. */
export interface BrowserConversion {
  configText: string;
  /** `model.safetensors` or `pytorch_model.bin`. */
  checkpointFile: string;
  checkpoint: Uint8Array;
  dataType: ModelDataType;
  /** What the converted model outputs of its KV cache (default `new`). */
  keyValueOutputs?: KeyValueOutputs | undefined;
  /** Where the converted model is kept (under a key made of the checkpoint's sha256). */
  cache: Cache | undefined;
  onProgress?: LoadProgressCallback | undefined;
}

const convertibleDataTypes: readonly ModelDataType[] = ['fp32', 'fp16', 'q8', 'int8', 'q4'];

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The newest cached conversion under `base` (any converter revision), if any. */
async function anyConversion(cache: Cache, base: string): Promise<Response | undefined> {
  const keys = (await cache.keys())
    .map((request) => request.url)
    .filter((url) => url === `${base}/model.onnx` || url.startsWith(`${base}-r`))
    .sort()
    .reverse();
  for (const url of keys) {
    const response = await cache.match(url);
    if (response !== undefined) return response;
  }
  return undefined;
}

function concatenate(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Converts a checkpoint to ONNX in memory with `@bg-gpt2/convert` (imported on demand), and keeps
 * the result in the Cache API under
 * `https://bg-gpt2.invalid/converted/<sha256>-<dtype>[-new-kv]-r<converter revision>/model.onnx`
 * (a key only; nothing is fetched from it): a converter that writes differently converts again.
 */
export async function convertInBrowser(conversion: BrowserConversion): Promise<Uint8Array> {
  if (!convertibleDataTypes.includes(conversion.dataType)) {
    throw new RuntimeError(
      'CONVERSION_UNAVAILABLE',
      `A checkpoint can be converted to ${convertibleDataTypes.join(', ')}, not ${conversion.dataType}.`,
    );
  }
  const keyValueOutputs = conversion.keyValueOutputs ?? 'new';
  let converter: Partial<ConverterModule> | undefined;
  let unavailable: unknown;
  try {
    converter = (await import('@bg-gpt2/convert')) as unknown as Partial<ConverterModule>;
  } catch (cause) {
    unavailable = cause;
  }
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  let key: string | undefined;
  if (subtle !== undefined && conversion.cache !== undefined) {
    const digest = toHex(
      await subtle.digest('SHA-256', conversion.checkpoint as Uint8Array<ArrayBuffer>),
    );
    const suffix = keyValueOutputs === 'new' ? '-new-kv' : '';
    const base = `https://bg-gpt2.invalid/converted/${digest}-${conversion.dataType}${suffix}`;
    const revision = converter?.converterRevision;
    key = `${base}${revision === undefined ? '' : `-r${revision}`}/model.onnx`;
    const cached =
      converter === undefined
        ? await anyConversion(conversion.cache, base) // whatever converter wrote it
        : await conversion.cache.match(key);
    if (cached !== undefined) return new Uint8Array(await cached.arrayBuffer());
  }
  if (converter === undefined) {
    throw new RuntimeError(
      'CONVERSION_UNAVAILABLE',
      'This model has only a PyTorch/safetensors checkpoint, and @bg-gpt2/convert cannot be loaded. ' +
        'Install it, or serve a model.onnx (convert once with `bg-gpt2 convert`).',
      { cause: unavailable },
    );
  }
  const needed = [
    'readGpt2Config',
    'readSafetensors',
    'readTorchCheckpoint',
    'normalizeGpt2StateDict',
    'convertGpt2ToOnnx',
  ] as const;
  const absent = needed.filter((name) => typeof converter[name] !== 'function');
  if (absent.length > 0) {
    throw new RuntimeError(
      'CONVERSION_UNAVAILABLE',
      `The installed @bg-gpt2/convert lacks ${absent.join(', ')}; install a version matching @bg-gpt2/runtime.`,
    );
  }
  const module = converter as ConverterModule;
  const config = module.readGpt2Config(conversion.configText);
  const stateDict = conversion.checkpointFile.endsWith('.safetensors')
    ? module.readSafetensors(conversion.checkpoint)
    : module.readTorchCheckpoint(conversion.checkpoint);
  const weights = module.normalizeGpt2StateDict(stateDict, config);
  const converted = module.convertGpt2ToOnnx(weights, config, {
    dtype: conversion.dataType,
    keyValueOutputs,
    onProgress: (done, total) =>
      conversion.onProgress?.({ phase: 'convert', file: 'model.onnx', loaded: done, total }),
  });
  const bytes = concatenate(
    converted instanceof Uint8Array
      ? [converted]
      : Array.isArray(converted)
        ? converted
        : converted.chunks,
  );
  if (key !== undefined) {
    await conversion.cache
      ?.put(
        key,
        new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': 'application/octet-stream' },
        }),
      )
      .catch(() => undefined);
  }
  return bytes;
}
