import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RuntimeError } from '../errors.js';
import type { LoadProgressCallback } from '../load-progress.js';
import { fetchFollowingRedirects, sha256FromEtag } from './http-request.js';
import { writeAll } from './write-all.js';

/** One file to download into the cache. */
export interface DownloadRequest {
  /** Where the file is served. */
  url: string;
  /** The final path in the cache; the download goes to `${destination}.part` first. */
  destination: string;
  /** The file's name in messages and progress reports (`onnx/model.onnx`). */
  file: string;
  /** Extra request headers (e.g. `authorization`, which is not sent across origins). */
  headers?: Record<string, string>;
  onProgress?: LoadProgressCallback | undefined;
  /** Further attempts after a network failure or a dropped connection (default 3). */
  retries?: number | undefined;
  /** Milliseconds before the first retry, doubled each time (default 250). */
  retryDelay?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What {@link downloadFile} got. */
export type DownloadResult =
  | { status: 'downloaded'; path: string; size: number; sha256: string }
  | { status: 'missing'; httpStatus: number };

class RetryableFailure extends Error {}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  const innerText =
    inner instanceof Error
      ? `${(inner as NodeJS.ErrnoException).code ?? ''} ${inner.message}`.trim()
      : '';
  return innerText !== '' && !cause.message.includes(innerText)
    ? `${cause.message} (${innerText})`
    : cause.message;
}

function downloadFailed(request: DownloadRequest, reason: string, cause?: unknown): RuntimeError {
  return new RuntimeError(
    'DOWNLOAD_FAILED',
    `Could not download ${request.file} from ${request.url}: ${reason}. Check the network ` +
      'connection (and a proxy, if any); to use only files already in the cache turn on offline mode ' +
      '(--offline, BG_GPT2_OFFLINE=1 or offline: true), or load the model from a local folder.',
    cause === undefined ? undefined : { cause },
  );
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, milliseconds);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** `Content-Range: bytes 100-199/1000` → { start: 100, total: 1000 }. */
function parseContentRange(
  header: string | null,
): { start: number; total: number | undefined } | undefined {
  const match = header === null ? null : /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(header.trim());
  if (match === null) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}

const inFlight = new Map<string, Promise<DownloadResult>>();

/**
 * Downloads a file into place atomically: bytes go to `${destination}.part`, which is checked
 * (size against `X-Linked-Size` / `Content-Length`, sha256 against the hub's `X-Linked-Etag` /
 * `ETag` when that is a sha256) and only then renamed to `destination` — nothing half-written is
 * ever visible under the final name. A `.part` left by an interrupted download is resumed with an
 * HTTP `Range` request; a connection dropped mid-file is resumed the same way, up to `retries`
 * times. Concurrent calls for the same destination share one download.
 *
 * @returns `missing` for HTTP 404 / 410.
 * @throws RuntimeError `DOWNLOAD_FAILED` (network, HTTP error), `INTEGRITY_FAILED` (size or
 *   sha256 mismatch; the `.part` is deleted), `MODEL_NOT_FOUND` (HTTP 401 / 403: private or gated).
 */
export function downloadFile(request: DownloadRequest): Promise<DownloadResult> {
  const running = inFlight.get(request.destination);
  if (running !== undefined) return running;
  const started = download(request).finally(() => inFlight.delete(request.destination));
  inFlight.set(request.destination, started);
  return started;
}

async function download(request: DownloadRequest): Promise<DownloadResult> {
  const partPath = `${request.destination}.part`;
  await mkdir(dirname(request.destination), { recursive: true });
  const retries = request.retries ?? 3;
  const retryDelay = request.retryDelay ?? 250;
  let lastReported = -1;
  const report = (loaded: number, total: number | undefined): void => {
    if (request.onProgress === undefined || loaded < lastReported) return;
    lastReported = loaded;
    request.onProgress({ phase: 'download', file: request.file, loaded, total });
  };

  let lastFailure: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(retryDelay * 2 ** (attempt - 1), request.signal);
    try {
      return await attemptDownload(request, partPath, report);
    } catch (error) {
      if (!(error instanceof RetryableFailure)) throw error;
      lastFailure = error;
    }
  }
  const reason = lastFailure instanceof Error ? lastFailure.message : String(lastFailure);
  throw downloadFailed(
    request,
    `${reason}${retries > 0 ? ` (after ${retries + 1} attempts)` : ''}`,
    (lastFailure as { cause?: unknown })?.cause,
  );
}

async function attemptDownload(
  request: DownloadRequest,
  partPath: string,
  report: (loaded: number, total: number | undefined) => void,
): Promise<DownloadResult> {
  let offset = await fileSize(partPath);
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...request.headers };
  if (offset > 0) headers.range = `bytes=${offset}-`;

  let followed: Awaited<ReturnType<typeof fetchFollowingRedirects>>;
  try {
    followed = await fetchFollowingRedirects(request.url, headers, request.signal);
  } catch (cause) {
    if (request.signal?.aborted) throw cause;
    throw new RetryableFailure(describeCause(cause), { cause });
  }
  const { response } = followed;
  const status = response.status;
  const discard = (): Promise<void> =>
    response.body?.cancel().catch(() => undefined) ?? Promise.resolve();

  if (status === 404 || status === 410) {
    await discard();
    return { status: 'missing', httpStatus: status };
  }
  if (status === 401 || status === 403) {
    await discard();
    throw new RuntimeError(
      'MODEL_NOT_FOUND',
      `${request.url} answered HTTP ${status}: ${request.file} does not exist, or the repository is ` +
        'private or gated. Check the name; for a private or gated model set HF_TOKEN (or the token option).',
    );
  }
  if (status === 416 && offset > 0) {
    // The .part may already hold the whole file; otherwise start over.
    await discard();
    const total =
      parseContentRange(response.headers.get('content-range'))?.total ?? followed.linkedSize;
    if (total !== undefined && total === offset) {
      return finish(request, partPath, offset, total, expectedSha256(followed), undefined, report);
    }
    await rm(partPath, { force: true });
    throw new RetryableFailure(`the server refused to resume at byte ${offset}`);
  }
  if (status === 429 || status >= 500) {
    await discard();
    throw new RetryableFailure(`HTTP ${status} ${response.statusText}`.trim());
  }
  if (status !== 200 && status !== 206) {
    await discard();
    throw downloadFailed(request, `HTTP ${status} ${response.statusText}`.trim());
  }

  let total: number | undefined = followed.linkedSize;
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  if (status === 206) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (range === undefined || range.start !== offset) {
      await discard();
      await rm(partPath, { force: true });
      throw new RetryableFailure('the server resumed at the wrong byte');
    }
    total ??= range.total;
  } else {
    offset = 0;
    const length = response.headers.get('content-length');
    if (total === undefined && !encoded && length !== null && /^\d+$/.test(length))
      total = Number(length);
  }

  const hash = createHash('sha256');
  if (offset > 0) await hashFile(partPath, hash);
  if (total !== undefined && offset > total) {
    await discard();
    await rm(partPath, { force: true });
    throw new RetryableFailure('the partial download is longer than the file');
  }
  report(offset, total);
  const handle = await open(partPath, offset > 0 ? 'a' : 'w');
  let written = offset;
  try {
    if (response.body === null) throw new RetryableFailure('the response has no body');
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      await writeAll(handle, chunk);
      hash.update(chunk);
      written += chunk.byteLength;
      if (total !== undefined && written > total) break;
      report(written, total);
    }
  } catch (cause) {
    if (request.signal?.aborted) throw cause;
    if (cause instanceof RetryableFailure) throw cause;
    throw new RetryableFailure(
      `the connection broke after ${written} of ${total ?? 'unknown'} bytes (${describeCause(cause)})`,
      { cause },
    );
  } finally {
    await handle.close();
  }
  if (total !== undefined && written < total) {
    throw new RetryableFailure(`the connection closed after ${written} of ${total} bytes`);
  }
  return finish(
    request,
    partPath,
    written,
    total,
    expectedSha256(followed, response),
    hash,
    report,
  );
}

function expectedSha256(
  followed: Awaited<ReturnType<typeof fetchFollowingRedirects>>,
  response?: Response,
): string | undefined {
  return (
    sha256FromEtag(followed.linkedEtag) ??
    sha256FromEtag(response?.headers.get('etag') ?? undefined)
  );
}

async function finish(
  request: DownloadRequest,
  partPath: string,
  size: number,
  total: number | undefined,
  sha256: string | undefined,
  hash: Hash | undefined,
  report: (loaded: number, total: number | undefined) => void,
): Promise<DownloadResult> {
  const integrityFailed = async (what: string): Promise<never> => {
    await rm(partPath, { force: true });
    throw new RuntimeError(
      'INTEGRITY_FAILED',
      `${request.file} from ${request.url} is corrupt: ${what}. The partial file was deleted; try ` +
        'again, and if it persists the server (or a proxy) is serving a different file than it announces.',
    );
  };
  if (total !== undefined && size !== total) {
    await integrityFailed(`${size} bytes arrived, the server announced ${total}`);
  }
  let digest: string;
  if (hash === undefined) {
    const fresh = createHash('sha256');
    await hashFile(partPath, fresh);
    digest = fresh.digest('hex');
  } else {
    digest = hash.digest('hex');
  }
  if (sha256 !== undefined && digest !== sha256) {
    await integrityFailed(`its sha256 is ${digest}, the server announced ${sha256}`);
  }
  await rename(partPath, request.destination);
  report(size, size);
  return { status: 'downloaded', path: request.destination, size, sha256: digest };
}
