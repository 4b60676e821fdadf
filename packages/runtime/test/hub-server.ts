import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** How the server misbehaves, per file name. */
export interface HubServerBehaviour {
  /** Destroy the socket after this many body bytes — the first time the file is asked for only. */
  dropAfter?: Record<string, number>;
  /** Announce this sha256 (in X-Linked-Etag / ETag) instead of the real one. */
  wrongSha256?: Record<string, string>;
  /** Answer the resolve URL with a 302 to a "CDN" path (as the hub does for LFS files). */
  redirect?: string[];
  /** Answer with this HTTP status. */
  status?: Record<string, number>;
}

/** A local stand-in for the Hugging Face hub, serving one folder as `owner/name` at `revision`. */
export interface HubServer {
  /** `http://127.0.0.1:<port>` — the endpoint. */
  endpoint: string;
  requests: RecordedRequest[];
  behaviour: HubServerBehaviour;
  close(): Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Serves `${folder}/${file}` at `/{repository}/resolve/{revision}/{file}` with Content-Length,
 * ETag and X-Linked-Etag (its sha256), X-Linked-Size and Range support, on 127.0.0.1 and a random
 * port.
 */
export async function startHubServer(
  folder: string,
  repository: string,
  revision = 'main',
  behaviour: HubServerBehaviour = {},
): Promise<HubServer> {
  const requests: RecordedRequest[] = [];
  const dropped = new Set<string>();
  const prefix = `/${repository}/resolve/${revision}/`;

  const serveFile = async (
    request: IncomingMessage,
    response: ServerResponse,
    file: string,
    viaRedirect: boolean,
  ): Promise<void> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(folder, ...file.split('/')));
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain', 'x-error-code': 'EntryNotFound' });
      response.end('Entry not found');
      return;
    }
    const announced = behaviour.wrongSha256?.[file] ?? sha256(bytes);
    if (!viaRedirect && behaviour.redirect?.includes(file)) {
      response.writeHead(302, {
        location: `/cdn/${encodeURIComponent(file)}`,
        'x-linked-etag': `"${announced}"`,
        'x-linked-size': String(bytes.byteLength),
        etag: '"0123456789abcdef0123456789abcdef01234567"',
      });
      response.end();
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      // Behind a redirect, the storage's ETag is not a sha256 (an MD5 here).
      etag: viaRedirect ? `"${createHash('md5').update(bytes).digest('hex')}"` : `"${announced}"`,
    };
    if (!viaRedirect) {
      headers['x-linked-etag'] = `"${announced}"`;
      headers['x-linked-size'] = String(bytes.byteLength);
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (range !== null) {
      start = Number(range[1]);
      if (start >= bytes.byteLength) {
        response.writeHead(416, { ...headers, 'content-range': `bytes */${bytes.byteLength}` });
        response.end();
        return;
      }
      headers['content-range'] = `bytes ${start}-${bytes.byteLength - 1}/${bytes.byteLength}`;
    }
    const body = bytes.subarray(start);
    headers['content-length'] = String(body.byteLength);
    response.writeHead(range === null ? 200 : 206, headers);
    const dropAt = behaviour.dropAfter?.[file];
    if (dropAt !== undefined && !dropped.has(file)) {
      dropped.add(file);
      response.write(body.subarray(0, dropAt), () => {
        setTimeout(() => request.socket.destroy(), 20);
      });
      return;
    }
    response.end(body);
  };

  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    requests.push({
      method: request.method ?? 'GET',
      path,
      range: request.headers.range,
      authorization: request.headers.authorization,
    });
    const handle = async (): Promise<void> => {
      if (path.startsWith('/cdn/')) return serveFile(request, response, path.slice(5), true);
      if (!path.startsWith(prefix)) {
        response.writeHead(401, { 'x-error-code': 'RepoNotFound' });
        response.end('Repository not found');
        return;
      }
      const file = path.slice(prefix.length);
      const status = behaviour.status?.[file];
      if (status !== undefined) {
        response.writeHead(status);
        response.end(`status ${status}`);
        return;
      }
      await serveFile(request, response, file, false);
    };
    handle().catch((error: unknown) => {
      response.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    behaviour,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
