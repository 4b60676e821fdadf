import { Tensor } from 'onnxruntime-common';
import type { OutputTensorFactory } from './backend.js';
import { RuntimeError } from './errors.js';
import type { KeyValueArray, KeyValueBufferPool } from './key-value-buffer-pool.js';
import type { ModelConfig } from './model-config.js';
import type { ModelSignature } from './model-signature.js';
import { emptyKeyValueTensor, gatherBatchRows } from './tensor-data.js';

/**
 * Where a {@link DecoderSession} keeps its past keys and values between calls. Two strategies,
 * chosen by the model's outputs (see {@link createKeyValueCache}).
 *
 * A call goes: `addFeeds` (the `past_key_values.*` inputs), `addFetches` (the outputs to ask
 * for), the run, then `accept` with the outputs — or nothing, when the run failed: the cache is
 * unchanged until `accept`.
 */
export interface KeyValueCache {
  /**
   * Positions per row fed as the past: the cached tokens, then spare slots that the caller must
   * mask out (`attention_mask` 0) — room for the cache to grow without copying.
   */
  readonly slots: number;
  /** Adds the past inputs to `feeds`; tensors made only for this call go into `temporaries`. */
  addFeeds(batchSize: number, feeds: Record<string, Tensor>, temporaries: Tensor[]): void;
  /** Adds the key/value outputs to fetch (a pre-allocated tensor, or null) for `added` positions. */
  addFetches(batchSize: number, added: number, fetches: Record<string, Tensor | null>): void;
  /**
   * Whether a run filled what the cache asked for. False (only ever for pre-allocated outputs
   * the backend did not write, found on the first call): the cache now asks for plain outputs;
   * run the call again with new fetches.
   */
  confirm(outputs: Readonly<Record<string, Tensor>>): boolean;
  /**
   * Takes a successful run's outputs: the cache now holds `length + added` positions per row,
   * `length` being the positions it held before.
   *
   * @returns the output tensors it keeps (the caller disposes the others).
   */
  accept(
    outputs: Readonly<Record<string, Tensor>>,
    length: number,
    added: number,
  ): Promise<ReadonlySet<Tensor>>;
  /** Row `i` takes what row `indices[i]` held. */
  gather(indices: readonly number[], length: number): Promise<void>;
  /** Forgets the cached positions (a new prefill follows); may keep memory for reuse. */
  clear(): void;
  /** Forgets everything and lets go of all memory. */
  release(): void;
}

/** Options of {@link createKeyValueCache}. */
export interface KeyValueCacheOptions {
  /**
   * Makes tensors the session writes outputs into (`run(feeds, fetches)` with tensors in
   * `fetches`), for backends that can: onnxruntime-node does, onnxruntime-web's WebAssembly
   * backend leaves them untouched. Lets a `present` cache reuse two buffers instead of taking new
   * ones every call.
   */
  outputTensor?: OutputTensorFactory;
  /** Where a `new`-outputs cache takes its big buffers from and leaves them on `release`. */
  pool?: KeyValueBufferPool;
}

/**
 * Slots for a `new`-outputs cache that must hold `needed` positions: spare ones too, about
 * √(2·needed), rounded up to 16 (16 at 8 tokens, 32 at 512). Each step's attention reads the
 * spare slots; growing moves the cache within its buffer (no new memory).
 */
function slotsFor(needed: number, contextLength: number): number {
  const spare = Math.max(16, Math.ceil(Math.sqrt(2 * needed) / 16) * 16);
  return Math.min(Math.max(contextLength, needed), needed + spare);
}

/** The values of a CPU or GPU tensor (downloaded when it is not on the CPU). */
async function valuesOf(tensor: Tensor): Promise<KeyValueArray> {
  return (tensor.location === 'cpu' ? tensor.data : await tensor.getData()) as KeyValueArray;
}

/** The key/value cache that suits the model: see {@link KeyValueCache}. */
export function createKeyValueCache(
  signature: ModelSignature,
  config: ModelConfig,
  options: KeyValueCacheOptions = {},
): KeyValueCache {
  return signature.keyValueOutputs === 'new'
    ? new AppendedKeyValueCache(signature, config, options.pool)
    : new PresentKeyValueCache(signature, config, options.outputTensor);
}

/**
 * For models whose outputs are the whole cache after the call (`present.*`): each call's
 * presents become the next call's past. With pre-allocated outputs, the presents are written
 * into one of two buffers per layer, the one not holding the current past, sized for the
 * context as it grows (a step then allocates nothing of the cache's size in ONNX Runtime).
 */
class PresentKeyValueCache implements KeyValueCache {
  #past: Tensor[] = [];
  /** Two buffers per cache tensor (pre-allocated outputs only); `past` views one of them. */
  #buffers: [KeyValueArray[], KeyValueArray[]] = [[], []];
  #current = 0;
  /** This call's pre-allocated outputs, by output name. */
  #prepared = new Map<string, Tensor>();
  /** Pre-allocated outputs were checked against what the session returned. */
  #checked = false;
  #outputTensor: OutputTensorFactory | undefined;

  readonly #signature: ModelSignature;
  readonly #config: ModelConfig;

  constructor(
    signature: ModelSignature,
    config: ModelConfig,
    outputTensor: OutputTensorFactory | undefined,
  ) {
    this.#signature = signature;
    this.#config = config;
    this.#outputTensor = outputTensor;
  }

  get slots(): number {
    return this.#past[0]?.dims[2] ?? 0;
  }

  addFeeds(batchSize: number, feeds: Record<string, Tensor>, temporaries: Tensor[]): void {
    const signature = this.#signature;
    const config = this.#config;
    signature.pastKeys.forEach((keyName, layer) => {
      const names = [keyName, signature.pastValues[layer]!];
      names.forEach((name, kind) => {
        let tensor = this.#past[2 * layer + kind];
        if (tensor === undefined) {
          tensor = emptyKeyValueTensor(
            signature.keyValueType,
            batchSize,
            config.headCount,
            config.headSize,
          );
          temporaries.push(tensor);
        }
        feeds[name] = tensor;
      });
    });
  }

  addFetches(batchSize: number, added: number, fetches: Record<string, Tensor | null>): void {
    const signature = this.#signature;
    const config = this.#config;
    this.#prepared.clear();
    const total = this.slots + added;
    const dimensions = [batchSize, config.headCount, total, config.headSize];
    const length = batchSize * config.headCount * total * config.headSize;
    const target = this.#buffers[1 - this.#current]!;
    signature.presentKeys.forEach((keyName, layer) => {
      [keyName, signature.presentValues[layer]!].forEach((name, kind) => {
        const index = 2 * layer + kind;
        if (this.#outputTensor === undefined) {
          fetches[name] = null;
          return;
        }
        let buffer = target[index];
        if (buffer === undefined || buffer.length < length) {
          // Room for the rest of the context, so that this buffer is allocated once.
          const capacity =
            batchSize * config.headCount * Math.max(total, config.contextLength) * config.headSize;
          buffer =
            signature.keyValueType === 'float16'
              ? new Uint16Array(capacity)
              : new Float32Array(capacity);
          target[index] = buffer;
        }
        const tensor = this.#outputTensor(
          signature.keyValueType,
          buffer.subarray(0, length),
          dimensions,
        );
        this.#prepared.set(name, tensor);
        fetches[name] = tensor;
      });
    });
  }

  confirm(outputs: Readonly<Record<string, Tensor>>): boolean {
    if (this.#prepared.size === 0 || this.#checked) return true;
    // Once per session: the backend really wrote into the pre-allocated tensors — it returns the
    // values too (onnxruntime-node returns copies). A backend that ignored them (or dropped them:
    // onnxruntime-common keeps only fetches that are `instanceof` its own Tensor) gets plain
    // outputs from now on.
    this.#checked = true;
    const written = [...this.#prepared].every(([name, prepared]) => {
      const returned = outputs[name];
      if (returned === undefined || returned.location !== 'cpu') return false;
      const expected = returned.data as KeyValueArray;
      const actual = prepared.data as KeyValueArray;
      return (
        expected.length === actual.length &&
        expected.every((value, index) => Object.is(value, actual[index]))
      );
    });
    if (!written) {
      this.#outputTensor = undefined;
      this.#prepared.clear();
    }
    return written;
  }

  async accept(outputs: Readonly<Record<string, Tensor>>): Promise<ReadonlySet<Tensor>> {
    const signature = this.#signature;
    const names = signature.presentKeys.flatMap((key, layer) => [
      key,
      signature.presentValues[layer]!,
    ]);
    const next = names.map((name) => {
      const tensor = this.#prepared.get(name) ?? outputs[name];
      if (tensor === undefined) {
        throw new RuntimeError('MODEL_INVALID', `The model did not return ${name}.`);
      }
      return tensor;
    });
    for (const tensor of this.#past) if (!this.#isBufferView(tensor)) tensor.dispose();
    this.#past = next;
    if (this.#prepared.size > 0) this.#current = 1 - this.#current;
    this.#prepared.clear();
    return new Set(next);
  }

  #isBufferView(tensor: Tensor): boolean {
    return (
      tensor.location === 'cpu' &&
      this.#buffers.some((set) =>
        set.some((buffer) => buffer.buffer === (tensor.data as KeyValueArray).buffer),
      )
    );
  }

  async gather(indices: readonly number[]): Promise<void> {
    const gathered = await Promise.all(
      this.#past.map((tensor) => gatherBatchRows(tensor, indices)),
    );
    for (const tensor of this.#past) if (!this.#isBufferView(tensor)) tensor.dispose();
    this.#past = gathered;
  }

  clear(): void {
    for (const tensor of this.#past) if (!this.#isBufferView(tensor)) tensor.dispose();
    this.#past = [];
    this.#buffers = [[], []];
    this.#prepared.clear();
  }

  release(): void {
    this.clear();
  }
}

/**
 * For models whose outputs are only the call's own keys and values (`new_key_values.*`): one
 * buffer per layer, `[batch, heads, slots, head size]`, fed whole as the past (the slots past
 * the cached tokens are masked out by the session) and appended to in place after each call.
 *
 * Fresh memory is slow to touch (page faults), so: a prefill's outputs become the buffers as
 * they are (no copy); the first growth moves the cache into buffers with room for the whole
 * context, where later growths only move rows further apart (`copyWithin`, no new memory); and
 * the buffers are kept for the next prefill or `gather` of the session.
 */
class AppendedKeyValueCache implements KeyValueCache {
  /** The cache, `rows × capacity × headSize` at the start of each buffer. */
  #buffers: KeyValueArray[] = [];
  /** Buffers kept for reuse (from before a `clear`, or the other side of a `gather`). */
  #spare: KeyValueArray[] = [];
  #capacity = 0;
  #rows = 0;

  readonly #signature: ModelSignature;
  readonly #config: ModelConfig;
  readonly #pool: KeyValueBufferPool | undefined;

  constructor(signature: ModelSignature, config: ModelConfig, pool?: KeyValueBufferPool) {
    this.#signature = signature;
    this.#config = config;
    this.#pool = pool;
  }

  get slots(): number {
    return this.#capacity;
  }

  /** A buffer of at least `length` entries: a kept one of the model's pool, else new memory. */
  #allocate(length: number): KeyValueArray {
    const type = this.#signature.keyValueType === 'float16' ? 'float16' : 'float32';
    const kept = this.#pool?.take(length, type);
    if (kept !== undefined) return kept;
    return type === 'float16' ? new Uint16Array(length) : new Float32Array(length);
  }

  #tensorOver(data: KeyValueArray, dimensions: number[]): Tensor {
    return this.#signature.keyValueType === 'float16'
      ? new Tensor('float16', data as Uint16Array, dimensions)
      : new Tensor('float32', data as Float32Array, dimensions);
  }

  addFeeds(batchSize: number, feeds: Record<string, Tensor>, temporaries: Tensor[]): void {
    const signature = this.#signature;
    const config = this.#config;
    const dimensions = [batchSize, config.headCount, this.#capacity, config.headSize];
    const length = batchSize * config.headCount * this.#capacity * config.headSize;
    signature.pastKeys.forEach((keyName, layer) => {
      [keyName, signature.pastValues[layer]!].forEach((name, kind) => {
        const buffer = this.#buffers[2 * layer + kind] ?? new Float32Array(0);
        const tensor = this.#tensorOver(buffer.subarray(0, length), dimensions);
        temporaries.push(tensor);
        feeds[name] = tensor;
      });
    });
  }

  confirm(): boolean {
    return true;
  }

  addFetches(_batchSize: number, _added: number, fetches: Record<string, Tensor | null>): void {
    const signature = this.#signature;
    signature.newKeys.forEach((keyName, layer) => {
      fetches[keyName] = null;
      fetches[signature.newValues[layer]!] = null;
    });
  }

  async accept(
    outputs: Readonly<Record<string, Tensor>>,
    length: number,
    added: number,
  ): Promise<ReadonlySet<Tensor>> {
    const signature = this.#signature;
    const config = this.#config;
    const names = signature.newKeys.flatMap((key, layer) => [key, signature.newValues[layer]!]);
    const tensors = names.map((name) => {
      const tensor = outputs[name];
      if (tensor === undefined) {
        throw new RuntimeError('MODEL_INVALID', `The model did not return ${name}.`);
      }
      return tensor;
    });
    // CPU outputs (every step in Node) are read in place, without a promise per tensor.
    const values = tensors.every((tensor) => tensor.location === 'cpu')
      ? tensors.map((tensor) => tensor.data as KeyValueArray)
      : await Promise.all(tensors.map(valuesOf));
    const current = tensors.map((tensor, index) => ({ tensor, values: values[index]! }));
    const rowSize = config.headSize;
    const batchSize = current[0]!.tensor.dims[0]!;
    const rows = batchSize * config.headCount; // one row per (batch, head)
    const expected = rows * added * rowSize;
    for (const [index, { tensor, values }] of current.entries()) {
      if (values.length !== expected) {
        throw new RuntimeError(
          'MODEL_INVALID',
          `${names[index]} has shape [${tensor.dims.join(', ')}]; expected [${batchSize}, ${config.headCount}, ${added}, ${config.headSize}].`,
        );
      }
    }
    if (length === 0) {
      // A prefill: the outputs are already the cache's layout with no spare slots. Reuse kept
      // buffers when they are big enough, else take the outputs' arrays as they are.
      const reusable = this.#spare.length === current.length && this.#spare[0]!.length >= expected;
      this.#buffers = current.map(({ values }, index) => {
        if (reusable) {
          const buffer = this.#spare[index]!;
          buffer.set(values);
          return buffer;
        }
        const ownsItsMemory =
          values.byteOffset === 0 && values.byteLength === values.buffer.byteLength;
        return ownsItsMemory ? values : values.slice();
      });
      if (reusable) this.#spare = [];
      this.#capacity = added;
      this.#rows = rows;
      return new Set();
    }
    if (rows !== this.#rows) {
      throw new RuntimeError('INVALID_ARGUMENT', 'The batch size changed without a prefill.');
    }
    if (length + added > this.#capacity) this.#grow(length, length + added);
    const capacity = this.#capacity;
    const chunk = added * rowSize;
    current.forEach(({ values }, index) => {
      const buffer = this.#buffers[index]!;
      for (let row = 0; row < rows; row++) {
        const from = row * chunk;
        const to = (row * capacity + length) * rowSize;
        // A step's few values: a loop (subarray + set costs more than the copy itself).
        if (chunk <= 256) {
          for (let offset = 0; offset < chunk; offset++)
            buffer[to + offset] = values[from + offset]!;
        } else {
          buffer.set(values.subarray(from, from + chunk), to);
        }
      }
    });
    return new Set();
  }

  /** Room for `needed` positions per row; the first `length` of each row are kept. */
  #grow(length: number, needed: number): void {
    const config = this.#config;
    const rows = this.#rows;
    const rowSize = config.headSize;
    const capacity = slotsFor(needed, config.contextLength);
    const old = this.#capacity;
    this.#buffers = this.#buffers.map((buffer, index) => {
      let target = buffer;
      if (target.length < rows * capacity * rowSize) {
        // Room for the whole context, so that later growths stay in this buffer.
        const spare = this.#spare[index];
        const size = rows * Math.max(config.contextLength, capacity) * rowSize;
        target = spare !== undefined && spare.length >= size ? spare : this.#allocate(size);
      }
      // Rows move to higher offsets: from the last one down, nothing is overwritten unread.
      for (let row = rows - 1; row >= 0; row--) {
        const from = row * old * rowSize;
        if (target === buffer) {
          target.copyWithin(row * capacity * rowSize, from, from + length * rowSize);
        } else {
          target.set(buffer.subarray(from, from + length * rowSize), row * capacity * rowSize);
        }
      }
      return target;
    });
    if (this.#buffers.some((buffer, index) => buffer === this.#spare[index])) this.#spare = [];
    this.#capacity = capacity;
  }

  async gather(indices: readonly number[]): Promise<void> {
    const entrySize = this.#config.headCount * this.#capacity * this.#config.headSize;
    const used = indices.length * entrySize;
    const next = this.#buffers.map((buffer, index) => {
      const spare = this.#spare[index];
      const target =
        spare !== undefined && spare.length >= Math.max(used, buffer.length)
          ? spare
          : this.#allocate(buffer.length);
      indices.forEach((source, entry) => {
        target.set(
          buffer.subarray(source * entrySize, (source + 1) * entrySize),
          entry * entrySize,
        );
      });
      return target;
    });
    // The old buffers are the next gather's targets (beam search reorders every step).
    this.#spare = this.#buffers;
    this.#buffers = next;
  }

  clear(): void {
    // Kept for the next prefill of this session (a sliding window, a new prompt).
    if (
      this.#buffers.length > 0 &&
      (this.#spare.length === 0 || this.#buffers[0]!.length > this.#spare[0]!.length)
    ) {
      this.#spare = this.#buffers;
    }
    this.#buffers = [];
    this.#capacity = 0;
    this.#rows = 0;
  }

  release(): void {
    // The big buffers go to the model's pool, for its next session.
    this.#pool?.give([...this.#buffers, ...this.#spare]);
    this.#buffers = [];
    this.#spare = [];
    this.#capacity = 0;
    this.#rows = 0;
  }
}
