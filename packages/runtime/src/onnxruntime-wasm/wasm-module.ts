import { RuntimeError } from '../errors.js';
import { onnxRuntimeWebVersion, type WasmModuleFlags } from './wasm-environment.js';

/**
 * The part of onnxruntime-web's Emscripten module (`ort-wasm-simd-threaded.mjs` and its `.wasm`)
 * that this binding calls: ONNX Runtime's C API as onnxruntime-web 1.30 compiles it (32-bit
 * pointers; `_OrtCreateSession` and `_OrtRun` synchronous in this build, awaited anyway).
 */
export interface OrtWasmModule {
  PTR_SIZE: number;
  /** The heap; replaced when the memory grows (see {@link heapBytes}). */
  HEAPU8: Uint8Array;
  _OrtInit(numThreads: number, loggingLevel: number): number;
  _OrtGetLastError(codeOffset: number, messageOffset: number): number;
  _OrtCreateSessionOptions(
    graphOptimizationLevel: number,
    enableCpuMemArena: boolean,
    enableMemPattern: boolean,
    executionMode: number,
    enableProfiling: boolean,
    profileFilePrefix: number,
    logId: number,
    logSeverityLevel: number,
    logVerbosityLevel: number,
    optimizedModelFilePath: number,
  ): number;
  _OrtAddSessionConfigEntry(options: number, key: number, value: number): number;
  _OrtAddFreeDimensionOverride(options: number, name: number, value: number): number;
  _OrtReleaseSessionOptions(options: number): number;
  _OrtCreateSession(data: number, length: number, options: number): number | Promise<number>;
  _OrtReleaseSession(session: number): number;
  _OrtGetInputOutputCount(session: number, inputCount: number, outputCount: number): number;
  _OrtGetInputOutputMetadata(
    session: number,
    index: number,
    name: number,
    metadata: number,
  ): number;
  _OrtFree(pointer: number): number;
  _OrtCreateTensor(
    dataType: number,
    data: number,
    byteLength: number,
    dimensions: number,
    dimensionCount: number,
    location: number,
  ): number;
  _OrtGetTensorData(
    tensor: number,
    dataType: number,
    data: number,
    dimensions: number,
    dimensionCount: number,
  ): number;
  _OrtReleaseTensor(tensor: number): number;
  _OrtRun(
    session: number,
    inputNames: number,
    inputs: number,
    inputCount: number,
    outputNames: number,
    outputCount: number,
    outputs: number,
    runOptions: number,
  ): number | Promise<number>;
  _malloc(size: number): number;
  _free(pointer: number): void;
  stackSave(): number;
  stackRestore(stack: number): void;
  stackAlloc(size: number): number;
  getValue(pointer: number, type: string): number;
  setValue(pointer: number, value: number, type: string): void;
  UTF8ToString(pointer: number, maxBytes?: number): string;
  stringToUTF8(text: string, pointer: number, maxBytes: number): void;
  lengthBytesUTF8(text: string): number;
}

/** What the module's factory (the `.mjs` file's default export) takes. */
interface ModuleSettings {
  numThreads: number;
  locateFile(file: string): string;
}

/** The Emscripten loader and binary of onnxruntime-web's plain WebAssembly build. */
export const wasmLoaderFile = 'ort-wasm-simd-threaded.mjs';
export const wasmBinaryFile = 'ort-wasm-simd-threaded.wasm';

/** `() -> v128 { i8x16.splat(i32.const 0) }`: valid only where WebAssembly SIMD is. */
const simdProbe = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15,
  11,
]);

function threadsAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    // A page that is not cross-origin isolated cannot post shared memory.
    new MessageChannel().port1.postMessage(new SharedArrayBuffer(1));
    return true;
  } catch {
    return false;
  }
}

/**
 * The heap as it is now: a call that grew the memory (here or on another thread) replaces the
 * module's views, and any `getValue` brings them up to date first.
 */
export function heapBytes(wasm: OrtWasmModule): Uint8Array {
  wasm.getValue(0, 'i8');
  return wasm.HEAPU8;
}

/** ONNX Runtime's last error as an `Error`, with the same text as onnxruntime-web's. */
export function lastError(wasm: OrtWasmModule, message: string): Error {
  const stack = wasm.stackSave();
  try {
    const offset = wasm.stackAlloc(8);
    wasm._OrtGetLastError(offset, offset + 4);
    const code = wasm.getValue(offset, 'i32');
    const text = wasm.getValue(offset + 4, '*');
    return new Error(
      `${message} ERROR_CODE: ${code}, ERROR_MESSAGE: ${text ? wasm.UTF8ToString(text) : ''}`,
    );
  } finally {
    wasm.stackRestore(stack);
  }
}

/** Copies `text` (NUL-terminated UTF-8) into the heap; the caller frees what `allocations` holds. */
export function heapString(wasm: OrtWasmModule, text: string, allocations: number[]): number {
  const length = wasm.lengthBytesUTF8(text) + 1;
  const pointer = wasm._malloc(length) >>> 0;
  if (pointer === 0) throw new Error(`Out of WebAssembly memory (${length} bytes for a string).`);
  allocations.push(pointer);
  wasm.stringToUTF8(text, pointer, length);
  return pointer;
}

function fileUrl(
  paths: WasmModuleFlags['wasmPaths'],
  file: typeof wasmLoaderFile | typeof wasmBinaryFile,
): string {
  if (paths === undefined) {
    throw new Error(
      `env.wasm.wasmPaths is not set: say where ${wasmLoaderFile} and ${wasmBinaryFile} are served ` +
        '(a URL prefix ending in /).',
    );
  }
  if (typeof paths === 'string') return new URL(file, paths).href;
  const given = file === wasmLoaderFile ? paths.mjs : paths.wasm;
  if (given === undefined) {
    throw new Error(`env.wasm.wasmPaths has no ${file === wasmLoaderFile ? 'mjs' : 'wasm'} URL.`);
  }
  return new URL(given).href;
}

/**
 * A module URL that threads can start from: a worker cannot load a script of another origin,
 * so such a loader is fetched and started from a blob: URL (as onnxruntime-web does).
 */
async function startableUrl(url: string, threaded: boolean): Promise<string> {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!threaded || origin === undefined || new URL(url).origin === origin) return url;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return URL.createObjectURL(new Blob([await response.text()], { type: 'text/javascript' }));
}

async function instantiate(flags: WasmModuleFlags): Promise<OrtWasmModule> {
  if (!WebAssembly.validate(simdProbe)) {
    throw new RuntimeError(
      'NO_BACKEND',
      'This browser has no WebAssembly SIMD, which ONNX Runtime needs; use a current browser.',
    );
  }
  let numThreads = flags.numThreads ?? 1;
  if (!Number.isInteger(numThreads) || numThreads < 1) {
    throw new TypeError(`env.wasm.numThreads must be a whole number ≥ 1; got ${numThreads}.`);
  }
  if (numThreads > 1 && !threadsAvailable()) numThreads = 1;
  const loaderUrl = fileUrl(flags.wasmPaths, wasmLoaderFile);
  const binaryUrl = fileUrl(flags.wasmPaths, wasmBinaryFile);
  let wasm: OrtWasmModule;
  try {
    const url = await startableUrl(loaderUrl, numThreads > 1);
    const loader = (await import(/* @vite-ignore */ /* webpackIgnore: true */ url)) as {
      default: (settings: ModuleSettings) => Promise<OrtWasmModule>;
    };
    wasm = await loader.default({
      numThreads,
      locateFile: (file) => (file.endsWith('.wasm') ? binaryUrl : new URL(file, loaderUrl).href),
    });
  } catch (cause) {
    throw new RuntimeError(
      'NO_BACKEND',
      `ONNX Runtime's WebAssembly files could not be loaded from ${loaderUrl} and ${binaryUrl} ` +
        `(${cause instanceof Error ? cause.message : String(cause)}). Serve onnxruntime-web's ` +
        `dist/${wasmLoaderFile} and dist/${wasmBinaryFile} there, or point wasmPaths (wasm-path ` +
        'on <bg-complete>) at where they are.',
      { cause },
    );
  }
  if (wasm.PTR_SIZE !== 4) {
    throw new RuntimeError(
      'NO_BACKEND',
      `${loaderUrl} is a 64-bit build of ONNX Runtime; serve the 32-bit ${wasmLoaderFile} of onnxruntime-web ${onnxRuntimeWebVersion}.`,
    );
  }
  if (wasm._OrtInit(numThreads, 2) !== 0) throw lastError(wasm, "Can't initialize onnxruntime.");
  return wasm;
}

let loading: Promise<OrtWasmModule> | undefined;

/**
 * The module, loaded and initialized once per JavaScript realm with the flags of the first call
 * (the thread pool cannot change later). A failed load is tried again by the next call.
 */
export function loadWasmModule(flags: WasmModuleFlags): Promise<OrtWasmModule> {
  if (loading === undefined) {
    loading = instantiate(flags);
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}
