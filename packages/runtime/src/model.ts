import type { InferenceSession } from 'onnxruntime-common';
import type { OutputTensorFactory } from './backend.js';
import { DecoderSession, type DecoderSessionOptions } from './decoder-session.js';
import { RuntimeError } from './errors.js';
import { KeyValueBufferPool } from './key-value-buffer-pool.js';
import type { ModelConfig } from './model-config.js';
import { type ModelSignature, readModelSignature } from './model-signature.js';

/** What a loader knows about a model besides its session and config. */
export interface ModelDetails {
  /** Name of the backend that created the session (e.g. `onnxruntime-node`). */
  backend?: string;
  /** Where the model came from, as given to `loadModel` (folder, URL or `owner/name@revision`). */
  source?: string;
  /** File name → where it was read from (a local path in Node, a URL in a browser). */
  files?: Record<string, string>;
  /** Bytes of `spiece.model`, when the model has one. */
  tokenizerModel?: Uint8Array;
  /** Text of `tokenizer.json`, when the model has one. */
  tokenizerJson?: string;
  /** Parsed `tokenizer_config.json`, when the model has one. */
  tokenizerConfig?: Record<string, unknown>;
  /**
   * For sessions that write outputs into caller-provided CPU tensors (onnxruntime-node): makes
   * them (see `Backend.outputTensor`). Absent: outputs are always taken as the session returns
   * them.
   */
  outputTensor?: OutputTensorFactory;
}

/**
 * A loaded GPT-2: an ONNX Runtime session, its config, and the tokenizer files that came with it.
 * Create decoding states with {@link Model.createSession}; release with {@link Model.dispose}.
 *
 * Loaders (`loadModel` of `@bg-gpt2/runtime/node` or `/web`) make one; {@link Model.fromSession}
 * wraps a session you created yourself.
 */
export class Model {
  /** The ONNX Runtime session (onnxruntime-common interface). */
  readonly inferenceSession: InferenceSession;
  readonly config: ModelConfig;
  /** The model's input and output names. */
  readonly signature: ModelSignature;
  readonly backend: string | undefined;
  readonly source: string | undefined;
  readonly files: Readonly<Record<string, string>>;
  readonly tokenizerModel: Uint8Array | undefined;
  readonly tokenizerJson: string | undefined;
  readonly tokenizerConfig: Record<string, unknown> | undefined;
  /** Makes pre-allocated output tensors, when the backend can use them (see {@link ModelDetails}). */
  readonly outputTensor: OutputTensorFactory | undefined;
  /**
   * Key/value buffers that finished sessions leave for the next ones (two sessions' worth at
   * most): a new generation does not allocate its cache again.
   */
  readonly keyValuePool: KeyValueBufferPool;
  #isDisposed = false;

  /**
   * Wraps a session. Reads and checks its input/output names.
   *
   * @throws RuntimeError `MODEL_INVALID` when the session is not a GPT-2 decoder with past key
   *   values matching `config`.
   */
  constructor(inferenceSession: InferenceSession, config: ModelConfig, details: ModelDetails = {}) {
    this.inferenceSession = inferenceSession;
    this.config = config;
    this.signature = readModelSignature(inferenceSession, config);
    this.backend = details.backend;
    this.source = details.source;
    this.files = { ...(details.files ?? {}) };
    this.tokenizerModel = details.tokenizerModel;
    this.tokenizerJson = details.tokenizerJson;
    this.tokenizerConfig = details.tokenizerConfig;
    this.outputTensor = details.outputTensor;
    this.keyValuePool = new KeyValueBufferPool(4 * config.layerCount);
  }

  /** Same as `new Model(inferenceSession, config, details)`. */
  static fromSession(
    inferenceSession: InferenceSession,
    config: ModelConfig,
    details: ModelDetails = {},
  ): Model {
    return new Model(inferenceSession, config, details);
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return this.#isDisposed;
  }

  /**
   * A new, empty decoding state (KV cache) over this model. Sessions are independent; each
   * holds its own cache.
   *
   * @throws RuntimeError `DISPOSED` after {@link dispose}, `INVALID_ARGUMENT` for a bad option.
   */
  createSession(options: DecoderSessionOptions = {}): DecoderSession {
    if (this.#isDisposed) {
      throw new RuntimeError(
        'DISPOSED',
        'The model was disposed; load it again to create sessions.',
      );
    }
    return new DecoderSession(this, options);
  }

  /**
   * Releases the ONNX Runtime session. Sessions created from this model reject further calls
   * with `DISPOSED`.
   */
  async dispose(): Promise<void> {
    if (this.#isDisposed) return;
    this.#isDisposed = true;
    this.keyValuePool.drain();
    await this.inferenceSession.release();
  }
}
