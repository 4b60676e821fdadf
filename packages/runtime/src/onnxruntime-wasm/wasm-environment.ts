/** Where the two files are and how many threads to start (`env.wasm` of this binding). */
export interface WasmModuleFlags {
  wasmPaths?: string | { wasm?: string | URL; mjs?: string | URL } | undefined;
  numThreads?: number | undefined;
}

/** The onnxruntime-web release whose WebAssembly build this binding drives (a test checks it). */
export const onnxRuntimeWebVersion = '1.30.0';

/**
 * The settings of this binding, in the shape of onnxruntime-common's `env`: set `wasm.wasmPaths`
 * (where `ort-wasm-simd-threaded.mjs` and `.wasm` are served) and `wasm.numThreads` before the
 * first session. `wasm.proxy` must stay false: this build has no proxy worker.
 */
export const wasmEnvironment: {
  wasm: WasmModuleFlags & { proxy?: boolean };
  versions: { web: string };
  logLevel: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
} = {
  wasm: {},
  versions: { web: onnxRuntimeWebVersion },
  logLevel: 'warning',
};
