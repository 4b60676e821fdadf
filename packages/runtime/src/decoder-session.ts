import { type InferenceSession, Tensor } from 'onnxruntime-common';
import type { OutputTensorFactory } from './backend.js';
import { RuntimeError } from './errors.js';
import type { KeyValueBufferPool } from './key-value-buffer-pool.js';
import { createKeyValueCache, type KeyValueCache } from './key-value-cache.js';
import type { ModelConfig } from './model-config.js';
import type { ModelSignature } from './model-signature.js';
import { int64Tensor, readFloat32 } from './tensor-data.js';

/** Options of {@link DecoderSession} (`model.createSession(options)`). */
export interface DecoderSessionOptions {
  /**
   * What to do when the context would grow past the model's `n_positions`:
   * `false` (default) throws `CONTEXT_OVERFLOW`; `true` slides the window — the oldest tokens are
   * dropped, the most recent {@link DecoderSessionOptions.slidingWindowKeep} tokens (the new one
   * included) are prefilled again at positions 0… and decoding goes on. GPT-2's positions are
   * absolute (added to the input), so the cache cannot simply be trimmed: re-prefilling is the
   * exact way to continue. It costs one prefill of `slidingWindowKeep` tokens every
   * `n_positions − slidingWindowKeep + 1` steps.
   */
  slidingWindow?: boolean;
  /** Tokens kept when the window slides (1 … n_positions); default half of n_positions. */
  slidingWindowKeep?: number;
  /** Token id written into the left padding of shorter rows (masked out; default 0). */
  padTokenId?: number;
}

/** What a session needs of its model; {@link Model} provides it. */
export interface DecoderSessionHost {
  readonly inferenceSession: InferenceSession;
  readonly config: ModelConfig;
  readonly signature: ModelSignature;
  /** True once the model is disposed. */
  readonly disposed: boolean;
  /**
   * Makes CPU tensors the session writes outputs into, when the backend can (onnxruntime-node;
   * see `Backend.outputTensor`).
   */
  readonly outputTensor?: OutputTensorFactory | undefined;
  /** Key/value buffers kept between the model's sessions. */
  readonly keyValuePool?: KeyValueBufferPool | undefined;
}

interface ForwardResult {
  logits: Float32Array;
  /** Every output of the run; hand them to {@link DecoderSession.install} (or dispose them). */
  outputs: Record<string, Tensor>;
}

/**
 * The decoding state of one (batched) sequence over a model: token history, attention mask and
 * the KV cache. The step API a sampler drives:
 *
 * ```ts
 * const session = model.createSession();
 * let logits = await session.prefill(promptIds);   // [batch × vocab], last position
 * while (…) logits = await session.step(nextId);   // one token per row; the cache grows
 * session.dispose();
 * ```
 *
 * Calls are queued: each starts when the previous one has finished. Every ONNX Runtime tensor a
 * call creates or receives is disposed once it is no longer needed.
 */
export class DecoderSession {
  readonly #host: DecoderSessionHost;
  readonly #slidingWindow: boolean;
  readonly #keepOnSlide: number;
  readonly #padTokenId: number;
  /** Per row, the tokens in the cache (left padding included). */
  #tokens: number[][] = [];
  /** Per row, 1 for a real token and 0 for padding, aligned with `tokens`. */
  #mask: number[][] = [];
  /** Past keys and values. */
  readonly #cache: KeyValueCache;
  #queue: Promise<unknown> = Promise.resolve();
  #isDisposed = false;

  /** Prefer `model.createSession(options)`. */
  constructor(host: DecoderSessionHost, options: DecoderSessionOptions = {}) {
    this.#host = host;
    const contextLength = host.config.contextLength;
    this.#slidingWindow = options.slidingWindow === true;
    this.#keepOnSlide = options.slidingWindowKeep ?? Math.max(1, Math.floor(contextLength / 2));
    if (
      !Number.isInteger(this.#keepOnSlide) ||
      this.#keepOnSlide < 1 ||
      this.#keepOnSlide > contextLength
    ) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `slidingWindowKeep must be an integer from 1 to n_positions (${contextLength}); got ${options.slidingWindowKeep}.`,
      );
    }
    this.#padTokenId = options.padTokenId ?? 0;
    this.#checkTokenId(this.#padTokenId, 'padTokenId');
    this.#cache = createKeyValueCache(host.signature, host.config, {
      ...(host.outputTensor ? { outputTensor: host.outputTensor } : {}),
      ...(host.keyValuePool ? { pool: host.keyValuePool } : {}),
    });
  }

  /** Tokens in the cache per row (the padded width for a batch); 0 before {@link prefill}. */
  get length(): number {
    return this.#tokens[0]?.length ?? 0;
  }

  /** Rows in the current batch; 0 before {@link prefill}. */
  get batchSize(): number {
    return this.#tokens.length;
  }

  /** Columns of each logits row (the model's vocabulary size). */
  get vocabularySize(): number {
    return this.#host.config.vocabularySize;
  }

  /** The tokens in the cache, per row, left padding included (copies). */
  get tokenIds(): number[][] {
    return this.#tokens.map((row) => [...row]);
  }

  /** Whether {@link dispose} was called (on this session or its model). */
  get disposed(): boolean {
    return this.#isDisposed || this.#host.disposed;
  }

  /**
   * Starts over with a prompt: one row of ids, or several rows (a batch). Rows of different
   * lengths are left-padded; padding is masked out and positions count real tokens only
   * (`position_ids = max(cumsum(mask) − 1, 0)`, as Hugging Face's generate does), so every row
   * gets the logits it would get alone.
   *
   * @returns the logits of each row's last token, [batch × vocabulary] row-major.
   * @throws RuntimeError `CONTEXT_OVERFLOW` when a row is longer than n_positions (unless
   *   `slidingWindow`, which keeps the last n_positions tokens), `INVALID_ARGUMENT` for an empty row
   *   or an id outside the vocabulary, `DISPOSED` after {@link dispose}.
   */
  prefill(ids: readonly number[] | readonly (readonly number[])[]): Promise<Float32Array> {
    return this.#enqueue(() => this.#start(ids, false));
  }

  /**
   * {@link prefill} returning the logits of every position, [batch × width × vocabulary] (width is
   * the longest row; padded positions of shorter rows hold meaningless values) — for scoring a
   * text. The cache is kept, so {@link step} can continue from here.
   */
  logitsAll(ids: readonly number[] | readonly (readonly number[])[]): Promise<Float32Array> {
    return this.#enqueue(() => this.#start(ids, true));
  }

  /**
   * Appends one token to each row (a number for a batch of one) and returns the logits of the new
   * position, [batch × vocabulary].
   *
   * @throws RuntimeError `CONTEXT_OVERFLOW` when the context is already n_positions long (unless
   *   `slidingWindow`), `INVALID_ARGUMENT` before {@link prefill} or for the wrong number of
   *   tokens, `DISPOSED` after {@link dispose}.
   */
  step(tokens: number | readonly number[]): Promise<Float32Array> {
    return this.#enqueue(() => this.#advance(tokens));
  }

  /**
   * Reorders the rows of the batch (for beam search): afterwards row `i` holds what row
   * `indices[i]` held — its KV cache, tokens and attention mask. Rows may repeat or be dropped;
   * `indices.length` must be the batch size, which stays the same.
   *
   * @throws RuntimeError `INVALID_ARGUMENT` before {@link prefill}, when `indices` does not have
   *   one entry per row, or for an entry that is not a row number (0 … batchSize − 1);
   *   `DISPOSED` after {@link dispose}.
   */
  reorder(indices: readonly number[]): Promise<void> {
    return this.#enqueue(() => this.#gatherRows(indices));
  }

  /**
   * Releases the KV cache. Further calls reject with `DISPOSED`. A call still running finishes
   * first; the returned promise resolves when everything is released.
   */
  dispose(): Promise<void> {
    if (this.#isDisposed) return this.#queue.then(() => undefined);
    this.#isDisposed = true;
    const released = this.#queue.then(() => {
      this.#reset();
      this.#cache.release();
    });
    this.#queue = released;
    return released;
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(this.#disposedError());
    const result = this.#queue.then(() => {
      if (this.disposed) throw this.#disposedError();
      return work();
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #disposedError(): RuntimeError {
    return new RuntimeError(
      'DISPOSED',
      this.#host.disposed
        ? 'The model was disposed; load it again to create sessions.'
        : 'This session was disposed; create a new one with model.createSession().',
    );
  }

  #checkTokenId(id: unknown, what: string): void {
    if (
      typeof id !== 'number' ||
      !Number.isInteger(id) ||
      id < 0 ||
      id >= this.#host.config.vocabularySize
    ) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `${what} ${String(id)} is not a token id of this model (0 … ${this.#host.config.vocabularySize - 1}).`,
      );
    }
  }

  #reset(): void {
    this.#cache.clear();
    this.#tokens = [];
    this.#mask = [];
  }

  /**
   * Makes a finished call's outputs the new state: `tokens` / `mask` now describe the whole
   * cache (the cache had `length` positions before; the call added the rest).
   */
  async #install(
    result: ForwardResult,
    length: number,
    tokens: number[][],
    mask: number[][],
  ): Promise<Float32Array> {
    let kept: ReadonlySet<Tensor> = new Set();
    try {
      kept = await this.#cache.accept(result.outputs, length, tokens[0]!.length - length);
      this.#tokens = tokens;
      this.#mask = mask;
      return result.logits;
    } finally {
      for (const tensor of Object.values(result.outputs)) {
        if (!kept.has(tensor)) tensor.dispose();
      }
    }
  }

  async #start(
    ids: readonly number[] | readonly (readonly number[])[],
    allPositions: boolean,
  ): Promise<Float32Array> {
    const rows = this.#readRows(ids);
    const contextLength = this.#host.config.contextLength;
    let width = Math.max(...rows.map((row) => row.length));
    if (width > contextLength) {
      if (!this.#slidingWindow) {
        throw new RuntimeError(
          'CONTEXT_OVERFLOW',
          `The prompt has ${width} tokens; this model reads at most ${contextLength} (n_positions). ` +
            'Shorten the prompt, or create the session with { slidingWindow: true } to keep only the last tokens.',
        );
      }
      width = contextLength;
    }
    const tokens: number[][] = [];
    const mask: number[][] = [];
    for (const row of rows) {
      const kept = row.slice(Math.max(0, row.length - width));
      const padding = width - kept.length;
      tokens.push([...new Array<number>(padding).fill(this.#padTokenId), ...kept]);
      mask.push([...new Array<number>(padding).fill(0), ...new Array<number>(kept.length).fill(1)]);
    }
    this.#reset();
    const result = await this.#forward(tokens, mask, allPositions);
    return this.#install(result, 0, tokens, mask);
  }

  async #advance(next: number | readonly number[]): Promise<Float32Array> {
    if (this.length === 0) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        'step() needs a context: call prefill(ids) first.',
      );
    }
    const column = typeof next === 'number' ? [next] : [...next];
    if (column.length !== this.batchSize) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `step() needs one token per row: the batch has ${this.batchSize} rows, got ${column.length} tokens.`,
      );
    }
    for (const [row, id] of column.entries()) this.#checkTokenId(id, `Token of row ${row}`);
    const contextLength = this.#host.config.contextLength;

    if (this.length + 1 > contextLength) {
      if (!this.#slidingWindow) {
        throw new RuntimeError(
          'CONTEXT_OVERFLOW',
          `The context is full: ${this.length} tokens, and this model reads at most ${contextLength} (n_positions). ` +
            'Stop generating here, or create the session with { slidingWindow: true } to drop the oldest tokens.',
        );
      }
      const start = this.length - (this.#keepOnSlide - 1);
      const tokens = this.#tokens.map((row, index) => [...row.slice(start), column[index]]);
      const mask = this.#mask.map((row) => [...row.slice(start), 1]);
      this.#reset();
      const result = await this.#forward(tokens, mask, false);
      return this.#install(result, 0, tokens, mask);
    }

    const result = await this.#forward(
      column.map((id) => [id]),
      column.map(() => [1]),
      false,
    );
    return this.#install(
      result,
      this.length,
      this.#tokens.map((row, index) => [...row, column[index]!]),
      this.#mask.map((row) => [...row, 1]),
    );
  }

  async #gatherRows(indices: readonly number[]): Promise<void> {
    const batchSize = this.batchSize;
    if (batchSize === 0) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        'reorder() needs a context: call prefill(ids) first.',
      );
    }
    if (!Array.isArray(indices) || indices.length !== batchSize) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `reorder() needs one row index per row: the batch has ${batchSize} rows, got ${
          Array.isArray(indices) ? indices.length : String(indices)
        }.`,
      );
    }
    for (const [row, index] of indices.entries()) {
      if (
        typeof index !== 'number' ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= batchSize
      ) {
        throw new RuntimeError(
          'INVALID_ARGUMENT',
          `reorder(): entry ${row} is ${String(index)}, not a row of the batch (0 … ${batchSize - 1}).`,
        );
      }
    }
    if (indices.every((index, row) => index === row)) return;
    await this.#cache.gather(indices, this.length);
    this.#tokens = indices.map((index) => [...this.#tokens[index]]);
    this.#mask = indices.map((index) => [...this.#mask[index]]);
  }

  #readRows(ids: readonly number[] | readonly (readonly number[])[]): number[][] {
    if (!Array.isArray(ids) || ids.length === 0) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        'prefill() needs token ids: an array of ids, or an array of rows of ids.',
      );
    }
    const rows = (Array.isArray(ids[0]) ? ids : [ids]) as readonly (readonly number[])[];
    return rows.map((row, index) => {
      if (!Array.isArray(row) || row.length === 0) {
        throw new RuntimeError(
          'INVALID_ARGUMENT',
          `Row ${index} of the prompt is empty; every row needs a token.`,
        );
      }
      for (const id of row) this.#checkTokenId(id, `Token of row ${index}`);
      return [...row];
    });
  }

  /**
   * Runs the model over new columns `tokens` (with their mask) after the current cache.
   * Does not change the session's state; the caller installs the outputs.
   */
  async #forward(
    tokens: number[][],
    newMask: number[][],
    allPositions: boolean,
  ): Promise<ForwardResult> {
    const { inferenceSession, config, signature } = this.#host;
    const batchSize = tokens.length;
    const sequenceLength = tokens[0].length;
    const pastLength = this.length;
    const vocabularySize = config.vocabularySize;

    const feeds: Record<string, Tensor> = {};
    const created: Tensor[] = [];
    const feed = (name: string, tensor: Tensor): void => {
      feeds[name] = tensor;
      created.push(tensor);
    };
    feed(signature.inputIds, int64Tensor(tokens.flat(), [batchSize, sequenceLength]));
    // The cache may have spare slots after the cached tokens: they are masked out.
    const slots = this.#cache.slots;
    if (signature.attentionMask !== undefined) {
      const width = slots + sequenceLength;
      const fullMask = new Array<number>(batchSize * width).fill(0);
      newMask.forEach((row, index) => {
        const past = this.#mask[index] ?? [];
        for (let column = 0; column < past.length; column++) {
          fullMask[index * width + column] = past[column]!;
        }
        for (let column = 0; column < row.length; column++) {
          fullMask[index * width + slots + column] = row[column]!;
        }
      });
      feed(signature.attentionMask, int64Tensor(fullMask, [batchSize, width]));
    } else if (slots !== pastLength) {
      throw new RuntimeError(
        'MODEL_INVALID',
        'A model without attention_mask cannot use a cache with spare slots.',
      );
    }
    if (signature.positionIds !== undefined) {
      const positions: number[] = [];
      newMask.forEach((row, index) => {
        let seen = 0;
        for (const bit of this.#mask[index] ?? []) seen += bit;
        for (const bit of row) {
          seen += bit;
          positions.push(Math.max(seen - 1, 0));
        }
      });
      feed(signature.positionIds, int64Tensor(positions, [batchSize, sequenceLength]));
    }
    if (signature.logitsToKeep !== undefined) {
      feed(
        signature.logitsToKeep,
        new Tensor('int64', new BigInt64Array([allPositions ? 0n : 1n]), []),
      );
    }
    if (signature.useCacheBranch !== undefined) {
      feed(signature.useCacheBranch, new Tensor('bool', new Uint8Array([slots > 0 ? 1 : 0]), [1]));
    }
    this.#cache.addFeeds(batchSize, feeds, created);

    const run = async (): Promise<Record<string, Tensor>> => {
      const fetches: Record<string, Tensor | null> = { [signature.logits]: null };
      this.#cache.addFetches(batchSize, sequenceLength, fetches);
      // Names only, unless some outputs are pre-allocated (simpler sessions accept just names).
      const preallocated = Object.values(fetches).some((value) => value !== null);
      return (await (preallocated
        ? inferenceSession.run(feeds, fetches)
        : inferenceSession.run(feeds, Object.keys(fetches)))) as Record<string, Tensor>;
    };
    let outputs: Record<string, Tensor>;
    try {
      outputs = await run();
      if (!this.#cache.confirm(outputs)) {
        // The backend ignored the pre-allocated outputs; the cache has switched to plain ones.
        for (const tensor of Object.values(outputs)) tensor.dispose();
        outputs = await run();
      }
    } catch (cause) {
      throw new RuntimeError(
        'MODEL_INVALID',
        `ONNX Runtime failed to run the model (batch ${batchSize}, ${sequenceLength} new tokens after ${pastLength}): ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        { cause },
      );
    } finally {
      for (const tensor of created) tensor.dispose();
    }

    const logitsTensor = outputs[signature.logits] as Tensor;
    try {
      if (this.disposed) throw this.#disposedError();
      const data = await readFloat32(logitsTensor);
      const [, keptPositions, columns] = logitsTensor.dims;
      if (
        columns !== vocabularySize ||
        data.length !== batchSize * keptPositions * vocabularySize
      ) {
        throw new RuntimeError(
          'MODEL_INVALID',
          `The model's logits have shape [${logitsTensor.dims.join(', ')}]; expected [${batchSize}, ${sequenceLength}, ${vocabularySize}] (vocab_size from config.json).`,
        );
      }
      let logits: Float32Array;
      if (allPositions) {
        if (keptPositions !== sequenceLength) {
          throw new RuntimeError(
            'MODEL_INVALID',
            `The model returned logits for ${keptPositions} of ${sequenceLength} positions.`,
          );
        }
        logits = data;
      } else if (keptPositions === 1) {
        logits = data;
      } else {
        logits = new Float32Array(batchSize * vocabularySize);
        for (let row = 0; row < batchSize; row++) {
          const offset = (row * keptPositions + keptPositions - 1) * vocabularySize;
          logits.set(data.subarray(offset, offset + vocabularySize), row * vocabularySize);
        }
      }
      const rest: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(outputs)) {
        if (name !== signature.logits) rest[name] = tensor;
      }
      return { logits, outputs: rest };
    } catch (error) {
      for (const [name, tensor] of Object.entries(outputs)) {
        if (name !== signature.logits) tensor?.dispose?.();
      }
      throw error;
    } finally {
      logitsTensor?.dispose();
    }
  }
}
