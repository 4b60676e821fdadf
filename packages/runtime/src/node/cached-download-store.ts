import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RuntimeError } from '../errors.js';
import type { LoadProgressCallback } from '../load-progress.js';
import type { FileLookup, ModelFileStore } from '../model-files.js';
import { downloadFile } from './file-download.js';

/** How a {@link CachedDownloadStore} reaches its source. */
export interface CachedDownloadStoreOptions {
  /** The source in messages (`the hub repository a/b@main`). */
  description: string;
  /** The cache folder of this source. */
  folder: string;
  /** The URL of a file. */
  fileUrl: (file: string) => string;
  offline: boolean;
  /** Ignore cached files and missing-file markers (download again). */
  refresh?: boolean | undefined;
  headers?: Record<string, string>;
  onProgress?: LoadProgressCallback | undefined;
  retries?: number | undefined;
  retryDelay?: number | undefined;
  signal?: AbortSignal | undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Files of a remote source (hub repository or base URL), kept in a cache folder. A cached file is
 * used without asking the network (pin a revision to get a fixed model); a file the source does
 * not have is remembered with a `.missing/<file>` marker, so it is not asked for again.
 */
export class CachedDownloadStore implements ModelFileStore<string> {
  readonly description: string;
  readonly offline: boolean;
  private readonly options: CachedDownloadStoreOptions;

  constructor(options: CachedDownloadStoreOptions) {
    this.options = options;
    this.description = options.description;
    this.offline = options.offline;
  }

  private pathOf(file: string): string {
    return join(this.options.folder, ...file.split('/'));
  }

  private missingMarker(file: string): string {
    return join(this.options.folder, '.missing', ...file.split('/'));
  }

  async lookup(file: string): Promise<FileLookup<string>> {
    if (this.options.refresh === true && !this.offline) return undefined;
    if (await isFile(this.pathOf(file))) return this.pathOf(file);
    if (await isFile(this.missingMarker(file))) return 'missing';
    return undefined;
  }

  async fetch(file: string): Promise<string | undefined> {
    if (this.offline) {
      throw new RuntimeError(
        'OFFLINE_MISS',
        `Offline mode: ${file} of ${this.description} is not in the cache.`,
      );
    }
    const url = this.options.fileUrl(file);
    const result = await downloadFile({
      url,
      destination: this.pathOf(file),
      file,
      headers: this.options.headers ?? {},
      onProgress: this.options.onProgress,
      retries: this.options.retries,
      retryDelay: this.options.retryDelay,
      signal: this.options.signal,
    });
    if (result.status === 'downloaded') return result.path;
    const marker = this.missingMarker(file);
    await mkdir(dirname(marker), { recursive: true });
    await writeFile(marker, `${url} answered HTTP ${result.httpStatus}\n`);
    return undefined;
  }
}
