import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { chromiumArguments, findChromium } from '../../scripts/chromium.mjs';

export { chromiumArguments, findChromium };

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: chromiumArguments,
  });
}

/**
 * Records every request of a browser context (pages and their workers) and fails any that is
 * not to 127.0.0.1: `outside` lists them.
 */
export async function guardNetwork(context: BrowserContext): Promise<{ outside: string[] }> {
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1') {
      return route.continue();
    }
    outside.push(url.href);
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1') {
      if (!outside.includes(url.href)) outside.push(url.href);
    }
  });
  return { outside };
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.model': 'application/octet-stream',
  '.png': 'image/png',
  '.css': 'text/css',
};

/** A static server on 127.0.0.1 with COOP/COEP on every response (WASM threads need them). */
export interface StaticServer {
  origin: string;
  /** Paths requested, in order (with their query strings). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves folders under URL prefixes (`{ '/ort/': '/…/onnxruntime-web/dist' }`, longest prefix
 * first) with the headers a cross-origin isolated page needs.
 */
export async function startStaticServer(mounts: Record<string, string>): Promise<StaticServer> {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const requests: string[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Cache-Control', 'no-store');
    const prefix = prefixes.find((candidate) => url.pathname.startsWith(candidate));
    if (prefix === undefined) {
      response.writeHead(404).end();
      return;
    }
    let relative = decodeURIComponent(url.pathname.slice(prefix.length));
    if (relative === '' || relative.endsWith('/')) relative += 'index.html';
    const root = normalize(mounts[prefix]);
    const path = normalize(join(root, relative));
    if (!path.startsWith(root + sep) && path !== root) {
      response.writeHead(403).end();
      return;
    }
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a file');
      const body = await readFile(path);
      response.writeHead(200, {
        'Content-Type': contentTypes[extname(path)] ?? 'application/octet-stream',
        'Content-Length': String(body.byteLength),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404).end();
    }
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A DevTools protocol session with a target (a page or a worker). */
export interface ProtocolSession {
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>;
}

/**
 * A DevTools session with the dedicated worker whose script URL contains `urlPart` (Playwright
 * gives sessions to pages only): through the browser's Target domain.
 */
export async function attachToWorker(browser: Browser, urlPart: string): Promise<ProtocolSession> {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = (await cdp.send('Target.getTargets')) as {
    targetInfos: { targetId: string; type: string; url: string }[];
  };
  const worker = targetInfos.find(
    (target) => target.type === 'worker' && target.url.includes(urlPart),
  );
  if (worker === undefined) throw new Error(`no worker with ${urlPart} in its URL`);
  const { sessionId } = (await cdp.send('Target.attachToTarget', {
    targetId: worker.targetId,
    flatten: false,
  })) as { sessionId: string };
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
    const message = JSON.parse(event.message) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    const pending = message.id === undefined ? undefined : waiting.get(message.id);
    if (pending === undefined) return;
    waiting.delete(message.id!);
    if (message.error !== undefined) pending.reject(new Error(message.error.message));
    else pending.resolve(message.result);
  });
  let nextId = 0;
  return {
    send<T>(method: string, params: Record<string, unknown> = {}) {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        cdp
          .send('Target.sendMessageToTarget', {
            sessionId,
            message: JSON.stringify({ id, method, params }),
          })
          .catch(reject);
      });
    },
  };
}

/** The JS heap of a target (a page or a worker) after a garbage collection, in bytes. */
export async function measureHeap(session: ProtocolSession): Promise<number> {
  await session.send('HeapProfiler.collectGarbage');
  const heap = await session.send<{ usedSize: number }>('Runtime.getHeapUsage');
  return heap.usedSize;
}

/**
 * The resident memory of the Chromium renderer processes started by this process (pages and
 * their workers, WebAssembly memory included), in bytes: read from /proc (Linux).
 */
export async function rendererResidentBytes(): Promise<number> {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  const resident = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      const parent = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      const pid = Number(entry);
      children.set(parent, [...(children.get(parent) ?? []), pid]);
      resident.set(pid, rss);
      commands.set(pid, (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' '));
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      if (commands.get(child)?.includes('--type=renderer')) total += resident.get(child) ?? 0;
      visit(child);
    }
  };
  visit(process.pid);
  return total;
}
