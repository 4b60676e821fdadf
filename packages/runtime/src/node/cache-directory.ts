import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readEnvironment } from '../environment.js';
import type { HubRepository } from '../model-source.js';

/**
 * Where downloads and converted models are kept: `$BG_GPT2_CACHE`, else
 * `$XDG_CACHE_HOME/bg-gpt2`, else `~/.cache/bg-gpt2`.
 *
 * Layout:
 * - `hub/<owner>--<name>/<revision>/<file>` — files of a hub repository;
 * - `url/<sha256 of the base URL>/<file>` — files under an http(s) base URL;
 * - `converted/<sha256 of the checkpoint>-<dtype>[-new-kv]-r<converter revision>/model.onnx` —
 *   checkpoints converted to ONNX;
 * - `.missing/<file>` next to those: a marker that the source has no such (optional) file.
 */
export function defaultCacheDirectory(): string {
  const explicit = readEnvironment('BG_GPT2_CACHE');
  if (explicit !== undefined) return resolve(explicit);
  const xdg = readEnvironment('XDG_CACHE_HOME');
  return join(xdg !== undefined ? resolve(xdg) : join(homedir(), '.cache'), 'bg-gpt2');
}

/** The cache folder of a hub repository at a revision. */
export function hubCacheFolder(cacheDirectory: string, hub: HubRepository): string {
  return join(
    cacheDirectory,
    'hub',
    hub.repository.replace('/', '--'),
    encodeURIComponent(hub.revision),
  );
}

/** The cache folder of an http(s) base URL. */
export function urlCacheFolder(cacheDirectory: string, baseUrl: string): string {
  const key = createHash('sha256').update(baseUrl.replace(/\/+$/, '')).digest('hex');
  return join(cacheDirectory, 'url', key);
}

/**
 * The cache folder of a checkpoint converted to ONNX at a precision: `<sha256>-<dtype>` with
 * `present.*` outputs, `<sha256>-<dtype>-new-kv` with `new_key_values.*` outputs, then
 * `-r<revision>`: the converter's `converterRevision` (what it writes), when known.
 */
export function convertedCacheFolder(
  cacheDirectory: string,
  checkpointSha256: string,
  dataType: string,
  keyValueOutputs: 'present' | 'new' = 'present',
  converterRevision?: string,
): string {
  const suffix = keyValueOutputs === 'new' ? '-new-kv' : '';
  const revision = converterRevision === undefined ? '' : `-r${converterRevision}`;
  return join(cacheDirectory, 'converted', `${checkpointSha256}-${dataType}${suffix}${revision}`);
}
