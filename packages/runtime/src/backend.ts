import type { InferenceSession, Tensor } from 'onnxruntime-common';

/**
 * Session options passed through to ONNX Runtime (`InferenceSession.SessionOptions` of
 * onnxruntime-common). A backend merges its own defaults under them.
 */
export type BackendSessionOptions = InferenceSession.SessionOptions;

/**
 * Makes a CPU tensor over `data` for a session to write an output into (`run(feeds, { name:
 * tensor })`), with the backend's own `Tensor` class: onnxruntime-common recognizes such fetches
 * with `instanceof`, and a backend may load another copy of onnxruntime-common than this package.
 */
export type OutputTensorFactory = (
  type: 'float32' | 'float16',
  data: Float32Array | Uint16Array,
  dims: readonly number[],
) => Tensor;

/**
 * An ONNX Runtime flavour that creates inference sessions — the seam between this package and
 * onnxruntime-node, onnxruntime-web or anything else that speaks onnxruntime-common's
 * `InferenceSession` interface. Modelled on onnxruntime-common's own two-method `Backend`.
 *
 * ```ts
 * registerBackend('my-runtime', {
 *   async init() {},                                      // throw when unusable here
 *   createSession: (model, options) => ort.InferenceSession.create(model, options),
 * }, 50);
 * ```
 */
export interface Backend {
  /**
   * Prepares the backend (loads the native addon or the WebAssembly module). Called once, before
   * the first {@link Backend.createSession}; throws when the backend cannot work in this
   * environment (for example its npm package is not installed), which makes the registry fall
   * back to the next backend.
   */
  init(): Promise<void>;

  /**
   * Creates a session for a model: a local file path where the backend can read files (Node), or
   * the bytes of the `.onnx` file.
   */
  createSession(
    model: string | Uint8Array,
    options?: BackendSessionOptions,
  ): Promise<InferenceSession>;

  /**
   * Only for backends whose sessions write outputs into caller-provided CPU tensors, as
   * onnxruntime-node does (onnxruntime-web's WebAssembly backend leaves such tensors untouched):
   * makes those tensors. Sessions then keep a `present.*` KV cache in two reused buffers.
   */
  readonly outputTensor?: OutputTensorFactory;
}
