import type { BackendSessionOptions } from './backend.js';
import type { LoadProgressCallback } from './load-progress.js';
import type { ModelDataType } from './model-data-type.js';
import type { KeyValueOutputs } from './model-signature.js';

/** Options of `loadModel` common to the Node and web entry points. */
export interface LoadModelOptions {
  /**
   * Which ONNX file to use: `fp32` (default) → `model.onnx`, `q4` → `model_q4.onnx`, … When the
   * source has only a checkpoint it is converted to this precision (Node; fp32, fp16, q8 or q4).
   */
  dtype?: ModelDataType;
  /**
   * The KV-cache outputs of a checkpoint converted on first use: `new` (default) — only each
   * call's keys and values, appended by the session to a cache it keeps (nothing of the cache's
   * size is copied per token); `present` — the whole cache after each call, the Hugging Face
   * Optimum / transformers.js layout, for a file meant for other runtimes too. Either layout is
   * read from any model file; this only picks what a conversion writes.
   */
  keyValueOutputs?: KeyValueOutputs;
  /** Backend name(s) to use, in order (default: every registered backend by priority). */
  backend?: string | readonly string[];
  /** Passed to ONNX Runtime when the session is created (over the backend's defaults). */
  sessionOptions?: BackendSessionOptions;
  /** Hub revision (branch, tag or commit); overrides `@revision` in the source. Default `main`. */
  revision?: string;
  /**
   * The hub to download from; default `BG_GPT2_HUB_ENDPOINT`, else `HF_ENDPOINT`, else
   * https://huggingface.co.
   */
  endpoint?: string;
  /**
   * Use only cached files, never the network (default: the `BG_GPT2_OFFLINE` or `HF_HUB_OFFLINE`
   * environment variable). A file not cached → `OFFLINE_MISS`.
   */
  offline?: boolean;
  /**
   * Download every file again instead of using the cache (a cached file is otherwise used without
   * asking the network, so a branch like `main` is not re-checked: pin a commit or tag, or refresh).
   */
  refresh?: boolean;
  /** A Hugging Face token for private or gated repositories (default: `HF_TOKEN`). */
  token?: string;
  /**
   * Whether the tokenizer files (`spiece.model`, else `tokenizer.json`; and `tokenizer_config.json`
   * when present) are required and loaded (default true). Set false to load only the network.
   */
  tokenizer?: boolean;
  /** Download and conversion progress. */
  onProgress?: LoadProgressCallback;
  /**
   * Further attempts after a network failure (default 3). In Node each resumes where the download
   * stopped (HTTP Range); in a browser the file starts over.
   */
  retries?: number;
  /** Cancels downloads. */
  signal?: AbortSignal;
}
