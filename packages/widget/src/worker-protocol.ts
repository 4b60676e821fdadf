/** How the worker loads its model (sent once per worker). */
export interface LoadRequest {
  type: 'load';
  /** A model folder URL (absolute) or a hub repository id. */
  model: string;
  /** `auto` (int8, else fp32), `int8`, `fp32`, `fp16`, `q8`, `q4` (which ONNX file). */
  dtype: string;
  /** Where onnxruntime-web's `.wasm` / `.mjs` files are served (absolute URL ending in `/`). */
  wasmPaths: string | undefined;
  /** WebAssembly threads; undefined: onnxruntime-web's default for this page. */
  numThreads: number | undefined;
  /** Try WebGPU first. */
  webgpu: boolean;
}

/** Sampling settings of one suggestion. */
export interface SuggestionSettings {
  maxNewTokens: number;
  /** 0: greedy (the most likely continuation). */
  temperature: number;
  topP: number;
  /** 0: off. */
  topK: number;
}

/** Continue `text` (the text before the caret). */
export interface CompleteRequest {
  type: 'complete';
  id: number;
  text: string;
  settings: SuggestionSettings;
}

/** Stop request `id` (a newer keystroke made it useless). */
export interface CancelRequest {
  type: 'cancel';
  id: number;
}

/** Makes the worker throw an uncaught error: for testing crash recovery only. */
export interface CrashRequest {
  type: 'crash';
}

export type WorkerRequest = LoadRequest | CompleteRequest | CancelRequest | CrashRequest;

/** Model download or conversion progress (`@bg-gpt2/runtime`'s LoadProgress). */
export interface ProgressMessage {
  type: 'progress';
  phase: 'download' | 'convert';
  file: string;
  loaded: number;
  total: number | undefined;
}

export interface ReadyMessage {
  type: 'ready';
  /** The ONNX Runtime backend in use (`onnxruntime-web`, `onnxruntime-web-webgpu`). */
  backend: string;
  /** Milliseconds the load took. */
  loadMs: number;
}

export interface LoadErrorMessage {
  type: 'load-error';
  code: string;
  message: string;
}

/** A request began to run (the one before it has fully stopped). */
export interface StartedMessage {
  type: 'started';
  id: number;
  /** Requests running in the worker now (this one included): 1 unless something is wrong. */
  running: number;
}

/** New text of request `id`. */
export interface DeltaMessage {
  type: 'delta';
  id: number;
  text: string;
}

/** Request `id` ended. */
export interface DoneMessage {
  type: 'done';
  id: number;
  /** `length`: ran out of tokens (the last word may be cut); `cancelled`: a cancel stopped it. */
  reason: 'end' | 'length' | 'cancelled' | 'skipped';
  /** Milliseconds from start to the first text (undefined when none came). */
  firstTextMs: number | undefined;
  /** Milliseconds from start to the end. */
  totalMs: number;
  /** Tokens generated. */
  tokens: number;
}

export interface RequestErrorMessage {
  type: 'error';
  id: number;
  code: string;
  message: string;
}

export type WorkerMessage =
  | ProgressMessage
  | ReadyMessage
  | LoadErrorMessage
  | StartedMessage
  | DeltaMessage
  | DoneMessage
  | RequestErrorMessage;
