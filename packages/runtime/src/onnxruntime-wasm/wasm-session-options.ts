import type { OrtWasmModule } from './wasm-module.js';
import { heapString, lastError } from './wasm-module.js';

/** The session options this binding understands (a subset of onnxruntime-common's). */
export interface WasmSessionOptions {
  /** Only `'wasm'` / `'cpu'`: this build has no other execution provider. */
  executionProviders?: readonly (string | { name: string })[];
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  executionMode?: 'sequential' | 'parallel';
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  logVerbosityLevel?: number;
  /** Fixed sizes for symbolic dimensions. */
  freeDimensionOverrides?: Readonly<Record<string, number>>;
  /** Session config entries, nested objects joined with `.` (`{ session: { x: '1' } }`). */
  extra?: Record<string, unknown>;
}

const optimizationLevels: Record<string, number> = {
  disabled: 0,
  basic: 1,
  extended: 2,
  layout: 3,
  all: 99,
};

function configEntries(
  options: Record<string, unknown>,
  prefix: string,
  add: (key: string, value: string) => void,
): void {
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'object' && value !== null) {
      configEntries(value as Record<string, unknown>, `${prefix}${key}.`, add);
    } else if (typeof value === 'string' || typeof value === 'number') {
      add(prefix + key, String(value));
    } else if (typeof value === 'boolean') {
      add(prefix + key, value ? '1' : '0');
    } else {
      throw new TypeError(
        `sessionOptions.extra.${prefix}${key} must be a string, number or boolean.`,
      );
    }
  }
}

/**
 * Makes ONNX Runtime session options; the caller releases the handle
 * (`_OrtReleaseSessionOptions`) and frees `allocations`.
 *
 * @throws TypeError for an option this build cannot honour, naming it.
 */
export function createSessionOptions(
  wasm: OrtWasmModule,
  options: WasmSessionOptions,
  allocations: number[],
): number {
  const level = optimizationLevels[options.graphOptimizationLevel ?? 'all'];
  if (level === undefined) {
    throw new TypeError(
      `sessionOptions.graphOptimizationLevel ${String(options.graphOptimizationLevel)} is not one of ${Object.keys(optimizationLevels).join(', ')}.`,
    );
  }
  const mode = options.executionMode ?? 'sequential';
  if (mode !== 'sequential' && mode !== 'parallel') {
    throw new TypeError(
      `sessionOptions.executionMode ${String(mode)} is not sequential or parallel.`,
    );
  }
  for (const provider of options.executionProviders ?? []) {
    const name = typeof provider === 'string' ? provider : provider?.name;
    if (name !== 'wasm' && name !== 'cpu') {
      throw new TypeError(
        `sessionOptions.executionProviders: ${String(name)} is not in this WebAssembly-only build of ONNX Runtime; use onnxruntime-web for it.`,
      );
    }
  }
  const handle = wasm._OrtCreateSessionOptions(
    level,
    options.enableCpuMemArena === true,
    options.enableMemPattern === true,
    mode === 'parallel' ? 1 : 0,
    false,
    0,
    0,
    options.logSeverityLevel ?? 2,
    options.logVerbosityLevel ?? 0,
    0,
  );
  if (handle === 0) throw lastError(wasm, "Can't create session options.");
  try {
    const add = (key: string, value: string): void => {
      const entry = wasm._OrtAddSessionConfigEntry(
        handle,
        heapString(wasm, key, allocations),
        heapString(wasm, value, allocations),
      );
      if (entry !== 0)
        throw lastError(wasm, `Can't set a session config entry: ${key} - ${value}.`);
    };
    configEntries({ session: { use_ort_model_bytes_directly: '1' } }, '', add);
    if (options.extra !== undefined) configEntries(options.extra, '', add);
    for (const [name, value] of Object.entries(options.freeDimensionOverrides ?? {})) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new TypeError(
          `sessionOptions.freeDimensionOverrides.${name} must be a whole number ≥ 0.`,
        );
      }
      if (
        wasm._OrtAddFreeDimensionOverride(handle, heapString(wasm, name, allocations), value) !== 0
      ) {
        throw lastError(wasm, `Can't set a free dimension override: ${name} - ${value}.`);
      }
    }
    return handle;
  } catch (error) {
    wasm._OrtReleaseSessionOptions(handle);
    throw error;
  }
}
