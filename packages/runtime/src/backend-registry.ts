import type { Backend } from './backend.js';
import { RuntimeError } from './errors.js';

interface RegisteredBackend {
  backend: Backend;
  priority: number;
  /** The running (or finished) `init()`, shared by every caller. */
  initialization?: Promise<void>;
}

/** A backend chosen by {@link resolveBackend}: its registered name and the initialized backend. */
export interface ResolvedBackend {
  name: string;
  backend: Backend;
}

/**
 * One registry per process, kept on `globalThis` under a registered symbol: the ESM and CommonJS
 * builds (and each entry point's bundle) share it.
 */
const registryKey = Symbol.for('@bg-gpt2/runtime/backends');
const registry: Map<string, RegisteredBackend> =
  ((globalThis as Record<symbol, unknown>)[registryKey] as
    | Map<string, RegisteredBackend>
    | undefined) ?? new Map<string, RegisteredBackend>();
(globalThis as Record<symbol, unknown>)[registryKey] = registry;

const installHint =
  'In Node install onnxruntime-node (`npm i onnxruntime-node`) and import from ' +
  "'@bg-gpt2/runtime/node'; in a browser install onnxruntime-web (`npm i onnxruntime-web`) and " +
  "import from '@bg-gpt2/runtime/web'; or register your own with registerBackend().";

/**
 * Registers (or replaces) a backend under `name`. Higher `priority` is tried first; a negative
 * priority registers a backend that is used only when asked for by name.
 *
 * Registering again under the same name replaces the previous backend (and forgets its
 * initialization), so an entry point's defaults can be overridden with new options.
 */
export function registerBackend(name: string, backend: Backend, priority = 0): void {
  if (
    typeof name !== 'string' ||
    name === '' ||
    typeof backend?.init !== 'function' ||
    typeof backend?.createSession !== 'function'
  ) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      'registerBackend(name, backend, priority) needs a non-empty name and an object with ' +
        'init() and createSession(model, options) methods.',
    );
  }
  if (!Number.isFinite(priority)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `The priority of backend "${name}" must be a number.`,
    );
  }
  registry.set(name, { backend, priority });
}

/** Removes a registered backend; returns whether there was one. */
export function unregisterBackend(name: string): boolean {
  return registry.delete(name);
}

/** The registered backend names, highest priority first (negative priorities included, last). */
export function listBackends(): string[] {
  return [...registry.entries()]
    .sort((left, right) => right[1].priority - left[1].priority)
    .map(([name]) => name);
}

/**
 * Picks a working backend. With `preferred` (a name or names), tries exactly those, in that order;
 * without, tries every backend with priority ≥ 0 from the highest priority down. A backend whose
 * `init()` fails is skipped (and not retried). Throws `NO_BACKEND`, listing why each failed and
 * which package to install, when none works.
 */
export async function resolveBackend(
  preferred?: string | readonly string[],
): Promise<ResolvedBackend> {
  const names =
    preferred === undefined
      ? listBackends().filter((name) => (registry.get(name)?.priority ?? -1) >= 0)
      : typeof preferred === 'string'
        ? [preferred]
        : [...preferred];
  const failures: string[] = [];
  for (const name of names) {
    const entry = registry.get(name);
    if (entry === undefined) {
      failures.push(`"${name}" is not registered`);
      continue;
    }
    entry.initialization ??= entry.backend.init();
    try {
      await entry.initialization;
      return { name, backend: entry.backend };
    } catch (cause) {
      failures.push(
        `"${name}" failed to start: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    }
  }
  const tried =
    failures.length === 0
      ? 'No ONNX Runtime backend is registered.'
      : `No ONNX Runtime backend works: ${failures.join('; ')}.`;
  throw new RuntimeError('NO_BACKEND', `${tried} ${installHint}`);
}
