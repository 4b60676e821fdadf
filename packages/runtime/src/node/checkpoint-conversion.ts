import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RuntimeError } from '../errors.js';
import type { LoadProgressCallback } from '../load-progress.js';
import type { ModelDataType } from '../model-data-type.js';
import type { KeyValueOutputs } from '../model-signature.js';
import { convertedCacheFolder } from './cache-directory.js';
import { writeAll } from './write-all.js';

/** The parts of `@bg-gpt2/convert/node` used here (loaded when a checkpoint is to be converted). */
interface ConverterModule {
  readGpt2Config(json: string | object): unknown;
  readCheckpointFile(path: string): Promise<unknown>;
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

/** The precisions `@bg-gpt2/convert` writes. */
const convertibleDataTypes: readonly ModelDataType[] = ['fp32', 'fp16', 'q8', 'int8', 'q4'];

/** What {@link convertCheckpoint} needs. */
export interface CheckpointConversion {
  /** `config.json` next to the checkpoint. */
  configPath: string;
  /** `model.safetensors` or `pytorch_model.bin`. */
  checkpointPath: string;
  dataType: ModelDataType;
  /** What the converted model outputs of its KV cache (default `new`). */
  keyValueOutputs?: KeyValueOutputs | undefined;
  cacheDirectory: string;
  onProgress?: LoadProgressCallback | undefined;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function loadConverter(): Promise<ConverterModule> {
  let module: Partial<ConverterModule>;
  try {
    module = (await import('@bg-gpt2/convert/node')) as unknown as Partial<ConverterModule>;
  } catch (cause) {
    throw new RuntimeError(
      'CONVERSION_UNAVAILABLE',
      'This model has only a PyTorch/safetensors checkpoint, and @bg-gpt2/convert (which turns it into ' +
        'ONNX) cannot be loaded. Install it (`npm i @bg-gpt2/convert`), or load a model that has ' +
        'model.onnx.',
      { cause },
    );
  }
  const needed = [
    'readGpt2Config',
    'readCheckpointFile',
    'normalizeGpt2StateDict',
    'convertGpt2ToOnnx',
  ] as const;
  const absent = needed.filter((name) => typeof module[name] !== 'function');
  if (absent.length > 0) {
    throw new RuntimeError(
      'CONVERSION_UNAVAILABLE',
      `The installed @bg-gpt2/convert lacks ${absent.join(', ')}; install a version that matches ` +
        '@bg-gpt2/runtime, or load a model that has model.onnx.',
    );
  }
  return module as ConverterModule;
}

/** The newest cached conversion of the checkpoint at this dtype and layout, whatever wrote it. */
async function findAnyConversion(
  conversion: CheckpointConversion,
  checkpointSha256: string,
  keyValueOutputs: KeyValueOutputs,
): Promise<string | undefined> {
  const base = basename(
    convertedCacheFolder('', checkpointSha256, conversion.dataType, keyValueOutputs),
  );
  const parent = join(conversion.cacheDirectory, 'converted');
  const names = await readdir(parent).catch(() => [] as string[]);
  const candidates = names
    .filter((name) => name === base || name.startsWith(`${base}-r`))
    .sort()
    .reverse();
  for (const name of candidates) {
    const path = join(parent, name, 'model.onnx');
    if (await isFile(path)) return path;
  }
  return undefined;
}

/**
 * The ONNX model of a checkpoint, converted on first use and kept in the cache under
 * `converted/<sha256 of the checkpoint>-<dtype>[-new-kv]-r<converter revision>/model.onnx` (a
 * converter that writes differently converts again; written to a `.part` file and
 * renamed, so a conversion cut short leaves nothing under the final name). Later calls find it
 * there (the checkpoint is hashed each time, which takes about a second for GPT-2 small).
 *
 * @returns the path of the ONNX model.
 * @throws RuntimeError `CONVERSION_UNAVAILABLE` when `@bg-gpt2/convert` is missing or cannot write
 *   the dtype; the converter's `ConvertError` for a checkpoint it cannot read.
 */
export async function convertCheckpoint(conversion: CheckpointConversion): Promise<string> {
  if (!convertibleDataTypes.includes(conversion.dataType)) {
    throw new RuntimeError(
      'CONVERSION_UNAVAILABLE',
      `A checkpoint can be converted to ${convertibleDataTypes.join(', ')}, not ${conversion.dataType}; ` +
        'choose one of those dtypes.',
    );
  }
  const checkpointSha256 = await sha256OfFile(conversion.checkpointPath);
  const keyValueOutputs = conversion.keyValueOutputs ?? 'new';
  let converter: ConverterModule;
  try {
    converter = await loadConverter();
  } catch (error) {
    // Without the converter, a conversion already in the cache (by any converter) still serves.
    const cached = await findAnyConversion(conversion, checkpointSha256, keyValueOutputs);
    if (cached !== undefined) return cached;
    throw error;
  }
  const folder = convertedCacheFolder(
    conversion.cacheDirectory,
    checkpointSha256,
    conversion.dataType,
    keyValueOutputs,
    converter.converterRevision,
  );
  const destination = join(folder, 'model.onnx');
  if (await isFile(destination)) return destination;

  const progress = conversion.onProgress;
  const file = 'model.onnx';
  const config = converter.readGpt2Config(await readFile(conversion.configPath, 'utf8'));
  const stateDict = await converter.readCheckpointFile(conversion.checkpointPath);
  const weights = converter.normalizeGpt2StateDict(stateDict, config);
  const converted = converter.convertGpt2ToOnnx(weights, config, {
    dtype: conversion.dataType,
    keyValueOutputs,
    onProgress: (done, total) => progress?.({ phase: 'convert', file, loaded: done, total }),
  });
  const chunks =
    converted instanceof Uint8Array
      ? [converted]
      : Array.isArray(converted)
        ? converted
        : converted.chunks;

  await mkdir(folder, { recursive: true });
  const partPath = `${destination}.${process.pid}.part`;
  const handle = await open(partPath, 'w');
  try {
    for (const chunk of chunks) await writeAll(handle, chunk);
  } catch (error) {
    await handle.close();
    await rm(partPath, { force: true });
    throw error;
  }
  await handle.close();
  await rename(partPath, destination);
  return destination;
}
