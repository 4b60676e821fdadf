import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { Backend, BackendSessionOptions } from '../backend.js';
import { registerBackend } from '../backend-registry.js';
import { RuntimeError } from '../errors.js';

/** The name the Node entry point registers onnxruntime-node under. */
export const nodeBackendName = 'onnxruntime-node';

/** Options of the onnxruntime-node backend (CPU). */
export interface NodeBackendOptions {
  /** Threads inside one operator (default: ONNX Runtime's, the physical cores). */
  intraOpNumThreads?: number;
  /** Threads across operators (only with `executionMode: 'parallel'`). */
  interOpNumThreads?: number;
  /** Graph optimizations at load time (default `all`). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  /** Execution providers, in order (default `['cpu']`). */
  executionProviders?: BackendSessionOptions['executionProviders'];
}

interface OnnxRuntimeNode {
  InferenceSession: typeof InferenceSession;
  Tensor: typeof Tensor;
}

function checkThreads(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `${name} must be a whole number ≥ 0 (0 = ONNX Runtime's default); got ${value}.`,
    );
  }
}

/**
 * A {@link Backend} over onnxruntime-node, imported on `init()` (so a missing package is a
 * `NO_BACKEND` with the install command, not a failed import). Sessions load `.onnx` files by
 * path, without reading them into JavaScript memory.
 */
export function createNodeBackend(options: NodeBackendOptions = {}): Backend {
  checkThreads(options.intraOpNumThreads, 'intraOpNumThreads');
  checkThreads(options.interOpNumThreads, 'interOpNumThreads');
  let runtime: OnnxRuntimeNode | undefined;
  return {
    // onnxruntime-node writes into the tensors given in `fetches` (and returns copies of them).
    outputTensor(type, data, dims) {
      if (runtime === undefined) {
        throw new RuntimeError(
          'NO_BACKEND',
          'The onnxruntime-node backend was used before init().',
        );
      }
      return type === 'float16'
        ? new runtime.Tensor('float16', data as Uint16Array, dims)
        : new runtime.Tensor('float32', data as Float32Array, dims);
    },
    async init() {
      let module: Partial<OnnxRuntimeNode> & { default?: Partial<OnnxRuntimeNode> };
      try {
        module = (await import('onnxruntime-node')) as typeof module;
      } catch (cause) {
        throw new RuntimeError(
          'NO_BACKEND',
          `onnxruntime-node cannot be loaded (${cause instanceof Error ? cause.message : String(cause)}); ` +
            'install it: `npm i onnxruntime-node`',
          { cause },
        );
      }
      const InferenceSessionClass = module.InferenceSession ?? module.default?.InferenceSession;
      if (InferenceSessionClass === undefined) {
        throw new RuntimeError(
          'NO_BACKEND',
          'onnxruntime-node has no InferenceSession; reinstall it.',
        );
      }
      const TensorClass = module.Tensor ?? module.default?.Tensor;
      if (TensorClass === undefined) {
        throw new RuntimeError('NO_BACKEND', 'onnxruntime-node has no Tensor; reinstall it.');
      }
      runtime = { InferenceSession: InferenceSessionClass, Tensor: TensorClass };
    },
    async createSession(model, sessionOptions = {}) {
      if (runtime === undefined) {
        throw new RuntimeError(
          'NO_BACKEND',
          'The onnxruntime-node backend was used before init().',
        );
      }
      const merged: BackendSessionOptions = {
        executionProviders: options.executionProviders ?? ['cpu'],
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        ...sessionOptions,
      };
      if (options.intraOpNumThreads !== undefined && merged.intraOpNumThreads === undefined) {
        merged.intraOpNumThreads = options.intraOpNumThreads;
      }
      if (options.interOpNumThreads !== undefined && merged.interOpNumThreads === undefined) {
        merged.interOpNumThreads = options.interOpNumThreads;
      }
      return typeof model === 'string'
        ? runtime.InferenceSession.create(model, merged)
        : runtime.InferenceSession.create(model, merged);
    },
  };
}

/**
 * Registers (or re-registers, with new options) onnxruntime-node as `onnxruntime-node`. The Node
 * entry point does this with default options when it is imported; call it again to set threads or
 * the optimization level before loading a model.
 */
export function registerNodeBackend(options: NodeBackendOptions = {}, priority = 100): void {
  registerBackend(nodeBackendName, createNodeBackend(options), priority);
}
