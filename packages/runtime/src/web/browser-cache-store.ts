import { RuntimeError } from '../errors.js';
import type { LoadProgressCallback } from '../load-progress.js';
import type { FileLookup, ModelFileStore } from '../model-files.js';

/** How a {@link BrowserCacheStore} reaches its source. */
export interface BrowserCacheStoreOptions {
  /** The source in messages. */
  description: string;
  /** The URL of a file. */
  fileUrl: (file: string) => string;
  /** The Cache API cache to keep files in; undefined where there is none (no caching). */
  cache: Cache | undefined;
  offline: boolean;
  /** Ignore cached entries (download again). */
  refresh?: boolean | undefined;
  headers?: Record<string, string>;
  onProgress?: LoadProgressCallback | undefined;
  retries?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The response header that marks a cached "this file does not exist" entry. */
const missingHeader = 'x-bg-gpt2-missing';

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The sha256 an ETag stands for, when it is 64 hex digits (the hub's ETag of LFS files). */
function sha256FromEtag(etag: string | null): string | undefined {
  if (etag === null) return undefined;
  const bare = etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(bare) ? bare : undefined;
}

/**
 * Files of a remote source fetched with `fetch` and kept in the Cache API (`caches.open(…)`):
 * a cached file is used without the network; a file the source lacks is remembered (a cached
 * empty entry), so it is not asked for again. A Cache API entry appears only once the whole body
 * is stored, so nothing half-written is ever served. Hands out `Response`s.
 */
export class BrowserCacheStore implements ModelFileStore<Response> {
  readonly description: string;
  readonly offline: boolean;
  readonly #options: BrowserCacheStoreOptions;

  constructor(options: BrowserCacheStoreOptions) {
    this.#options = options;
    this.description = options.description;
    this.offline = options.offline;
  }

  /** Where `file` is served. */
  fileUrlOf(file: string): string {
    return this.#options.fileUrl(file);
  }

  async lookup(file: string): Promise<FileLookup<Response>> {
    if (this.#options.refresh === true && !this.offline) return undefined;
    const cached = await this.#options.cache?.match(this.#options.fileUrl(file));
    if (cached === undefined) return undefined;
    return cached.headers.get(missingHeader) === '1' ? 'missing' : cached;
  }

  async fetch(file: string): Promise<Response | undefined> {
    if (this.offline) {
      throw new RuntimeError(
        'OFFLINE_MISS',
        `Offline mode: ${file} of ${this.description} is not in the cache.`,
      );
    }
    const url = this.#options.fileUrl(file);
    const retries = this.#options.retries ?? 3;
    let lastFailure = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: this.#options.headers ?? {},
          signal: this.#options.signal,
        });
      } catch (cause) {
        if (this.#options.signal?.aborted) throw cause;
        lastFailure = describeCause(cause);
        continue;
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel().catch(() => undefined);
        await this.#options.cache
          ?.put(url, new Response('', { headers: { [missingHeader]: '1' } }))
          .catch(() => undefined);
        return undefined;
      }
      if (response.status === 401 || response.status === 403) {
        throw new RuntimeError(
          'MODEL_NOT_FOUND',
          `${url} answered HTTP ${response.status}: ${file} does not exist, or the repository is private ` +
            'or gated. Check the name; for a private or gated model pass the token option.',
        );
      }
      if (!response.ok) {
        lastFailure = `HTTP ${response.status} ${response.statusText}`.trim();
        if (response.status === 429 || response.status >= 500) continue;
        break;
      }
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await this.#readBody(file, response);
      } catch (cause) {
        if (this.#options.signal?.aborted) throw cause;
        if (cause instanceof RuntimeError) throw cause;
        lastFailure = `the connection broke (${describeCause(cause)})`;
        continue;
      }
      await this.#check(file, url, response, bytes);
      const headers = {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.byteLength),
      };
      await this.#options.cache?.put(url, new Response(bytes, { headers })).catch(() => undefined);
      return new Response(bytes, { headers });
    }
    throw new RuntimeError(
      'DOWNLOAD_FAILED',
      `Could not download ${file} from ${url}: ${lastFailure}. Check the network connection; to use only ` +
        'files already in the cache pass offline: true.',
    );
  }

  async #readBody(file: string, response: Response): Promise<Uint8Array<ArrayBuffer>> {
    const lengthHeader = response.headers.get('content-length');
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const total = lengthHeader !== null && !encoded ? Number(lengthHeader) : undefined;
    const progress = this.#options.onProgress;
    if (response.body === null) return new Uint8Array(await response.arrayBuffer());
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    progress?.({ phase: 'download', file, loaded, total });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      progress?.({ phase: 'download', file, loaded, total });
    }
    const bytes = new Uint8Array(loaded);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    if (total !== undefined && loaded < total) {
      throw new Error(`${loaded} of ${total} bytes arrived`);
    }
    progress?.({ phase: 'download', file, loaded, total: loaded });
    return bytes;
  }

  async #check(file: string, url: string, response: Response, bytes: Uint8Array): Promise<void> {
    const linkedSize = response.headers.get('x-linked-size');
    if (
      linkedSize !== null &&
      /^\d+$/.test(linkedSize) &&
      Number(linkedSize) !== bytes.byteLength
    ) {
      throw new RuntimeError(
        'INTEGRITY_FAILED',
        `${file} from ${url} is corrupt: ${bytes.byteLength} bytes arrived, the server announced ${linkedSize}. Try again.`,
      );
    }
    const expected =
      sha256FromEtag(response.headers.get('x-linked-etag')) ??
      sha256FromEtag(response.headers.get('etag'));
    const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
    if (expected === undefined || subtle === undefined) return;
    const actual = toHex(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
    if (actual !== expected) {
      throw new RuntimeError(
        'INTEGRITY_FAILED',
        `${file} from ${url} is corrupt: its sha256 is ${actual}, the server announced ${expected}. ` +
          'Nothing was cached; try again.',
      );
    }
  }
}
