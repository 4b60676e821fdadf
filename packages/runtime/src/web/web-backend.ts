import type { Env, InferenceSession } from 'onnxruntime-common';
import type { Backend, BackendSessionOptions } from '../backend.js';
import { registerBackend } from '../backend-registry.js';
import { RuntimeError } from '../errors.js';

/** The name of the WebAssembly backend the web entry point registers. */
export const webBackendName = 'onnxruntime-web';
/** The name of the WebGPU backend, registered only when asked for (`webgpu: true`). */
export const webGpuBackendName = 'onnxruntime-web-webgpu';

/** Options of the onnxruntime-web backends. */
export interface WebBackendOptions {
  /**
   * Where onnxruntime-web's `.wasm` / `.mjs` files are served: a URL prefix ending in `/`, or
   * `{ wasm, mjs }` URLs of the two files. Default: jsDelivr's copy of the installed version —
   * serve them yourself (copy `node_modules/onnxruntime-web/dist/*.wasm` and `*.mjs`) for
   * production or offline use.
   */
  wasmPaths?: string | { wasm?: string | URL; mjs?: string | URL };
  /**
   * WebAssembly threads. Default: 1, or up to 4 when the page is cross-origin isolated (threads
   * need `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
   * require-corp`; without them they silently fall back to 1).
   */
  numThreads?: number;
  /** Run ONNX Runtime in a worker (`env.wasm.proxy`), keeping the page responsive. Default false. */
  proxy?: boolean;
  /**
   * Also register a WebGPU backend, tried before WebAssembly; when the browser has no WebGPU
   * adapter it fails to start and WebAssembly is used. Default false.
   */
  webgpu?: boolean;
  /** Graph optimizations at load time (default `all`). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
}

interface OnnxRuntimeWeb {
  InferenceSession: typeof InferenceSession;
  env: Env;
}

function defaultThreads(): number {
  const scope = globalThis as {
    crossOriginIsolated?: boolean;
    navigator?: { hardwareConcurrency?: number };
  };
  if (scope.crossOriginIsolated !== true) return 1;
  return Math.max(1, Math.min(4, Math.ceil((scope.navigator?.hardwareConcurrency ?? 2) / 2)));
}

async function importRuntime(webgpu: boolean): Promise<OnnxRuntimeWeb> {
  let module: Partial<OnnxRuntimeWeb> & { default?: Partial<OnnxRuntimeWeb> };
  try {
    module = (
      webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm')
    ) as typeof module;
  } catch (cause) {
    throw new RuntimeError(
      'NO_BACKEND',
      `onnxruntime-web cannot be loaded (${cause instanceof Error ? cause.message : String(cause)}); ` +
        'install it: `npm i onnxruntime-web`',
      { cause },
    );
  }
  const InferenceSessionClass = module.InferenceSession ?? module.default?.InferenceSession;
  const env = module.env ?? module.default?.env;
  if (InferenceSessionClass === undefined || env === undefined) {
    throw new RuntimeError('NO_BACKEND', 'onnxruntime-web has no InferenceSession; reinstall it.');
  }
  return { InferenceSession: InferenceSessionClass, env };
}

/**
 * A {@link Backend} over onnxruntime-web: WebAssembly (`onnxruntime-web/wasm`), or WebGPU with
 * WebAssembly for the rest (`onnxruntime-web/webgpu`) when `webgpu` is true. The package is
 * imported on `init()`, which also sets `env.wasm.wasmPaths` and `env.wasm.numThreads` — always,
 * because with threads on and no `wasmPaths` onnxruntime-web's worker can hang forever.
 */
export function createWebBackend(options: WebBackendOptions = {}): Backend {
  const webgpu = options.webgpu === true;
  const numThreads = options.numThreads ?? defaultThreads();
  if (!Number.isInteger(numThreads) || numThreads < 1) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `numThreads must be a whole number ≥ 1; got ${options.numThreads}.`,
    );
  }
  let runtime: OnnxRuntimeWeb | undefined;
  return {
    async init() {
      if (webgpu) {
        const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } })
          .navigator?.gpu;
        const adapter = await gpu?.requestAdapter().catch(() => null);
        if (adapter === undefined || adapter === null) {
          throw new RuntimeError('NO_BACKEND', 'this browser has no WebGPU adapter');
        }
      }
      const loaded = await importRuntime(webgpu);
      const version = loaded.env.versions?.web ?? '1.30.0';
      const wasmPaths =
        options.wasmPaths ?? `https://cdn.jsdelivr.net/npm/onnxruntime-web@${version}/dist/`;
      loaded.env.wasm.wasmPaths = wasmPaths as Env.WasmPrefixOrFilePaths;
      loaded.env.wasm.numThreads = numThreads;
      if (options.proxy !== undefined) loaded.env.wasm.proxy = options.proxy;
      runtime = loaded;
    },
    async createSession(model, sessionOptions = {}) {
      if (runtime === undefined) {
        throw new RuntimeError('NO_BACKEND', 'The onnxruntime-web backend was used before init().');
      }
      const merged: BackendSessionOptions = {
        executionProviders: webgpu ? ['webgpu', 'wasm'] : ['wasm'],
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        ...sessionOptions,
      };
      return typeof model === 'string'
        ? runtime.InferenceSession.create(model, merged)
        : runtime.InferenceSession.create(model, merged);
    },
  };
}

/**
 * Registers (or re-registers, with new options) the onnxruntime-web WebAssembly backend as
 * `onnxruntime-web` (priority 100) and, with `webgpu: true`, the WebGPU backend as
 * `onnxruntime-web-webgpu` (priority 110, falling back to WebAssembly when there is no adapter).
 * The web entry point registers WebAssembly with defaults when imported; call this before loading
 * a model to set `wasmPaths`, `numThreads` or WebGPU.
 */
export function registerWebBackend(options: WebBackendOptions = {}): void {
  registerBackend(webBackendName, createWebBackend({ ...options, webgpu: false }), 100);
  if (options.webgpu === true) {
    registerBackend(webGpuBackendName, createWebBackend(options), 110);
  } else {
    registerBackend(webGpuBackendName, createWebBackend({ ...options, webgpu: true }), -1);
  }
}
