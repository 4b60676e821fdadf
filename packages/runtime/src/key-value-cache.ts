import { Tensor } from 'onnxruntime-common';
import type { OutputTensorFactory } from './backend.js';
import { RuntimeError } from './errors.js';
import type { ModelConfig } from './model-config.js';
import type { ModelSignature } from './model-signature.js';
import { emptyKeyValueTensor, gatherBatchRows } from './tensor-data.js';

/** The element arrays of cached keys and values (float16 is stored as its 16 bits). */
type KeyValueArray = Float32Array | Uint16Array;

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
  /** Forgets everything (releases what it holds). */
  clear(): void;
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
}

/**
 * Slots for a `new`-outputs cache that must hold `needed` positions: spare ones too, about
 * √(8·needed), rounded up to 16 (16 at 8 tokens, 64 at 512). Spare slots cost each step's
 * attention a read; growing costs a copy of the whole cache into new memory.
 */
function slotsFor(needed: number, contextLength: number): number {
  const spare = Math.max(16, Math.ceil(Math.sqrt(8 * needed) / 16) * 16);
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
    ? new AppendedKeyValueCache(signature, config)
    : new PresentKeyValueCache(signature, config, options.outputTensor);
}

/**
 * For models whose outputs are the whole cache after the call (`present.*`): each call's
 * presents become the next call's past. With pre-allocated outputs, the presents are written
 * into one of two buffers per layer, the one not holding the current past, sized for the
 * context as it grows (a step then allocates nothing of the cache's size in ONNX Runtime).
 */
class PresentKeyValueCache implements KeyValueCache {
  private past: Tensor[] = [];
  /** Two buffers per cache tensor (pre-allocated outputs only); `past` views one of them. */
  private buffers: [KeyValueArray[], KeyValueArray[]] = [[], []];
  private current = 0;
  /** This call's pre-allocated outputs, by output name. */
  private prepared = new Map<string, Tensor>();
  /** Pre-allocated outputs were checked against what the session returned. */
  private checked = false;
  private outputTensor: OutputTensorFactory | undefined;

  constructor(
    private readonly signature: ModelSignature,
    private readonly config: ModelConfig,
    outputTensor: OutputTensorFactory | undefined,
  ) {
    this.outputTensor = outputTensor;
  }

  get slots(): number {
    return this.past[0]?.dims[2] ?? 0;
  }

  addFeeds(batchSize: number, feeds: Record<string, Tensor>, temporaries: Tensor[]): void {
    const { signature, config } = this;
    signature.pastKeys.forEach((keyName, layer) => {
      const names = [keyName, signature.pastValues[layer]!];
      names.forEach((name, kind) => {
        let tensor = this.past[2 * layer + kind];
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
    const { signature, config } = this;
    this.prepared.clear();
    const total = this.slots + added;
    const dimensions = [batchSize, config.headCount, total, config.headSize];
    const length = batchSize * config.headCount * total * config.headSize;
    const target = this.buffers[1 - this.current]!;
    signature.presentKeys.forEach((keyName, layer) => {
      [keyName, signature.presentValues[layer]!].forEach((name, kind) => {
        const index = 2 * layer + kind;
        if (this.outputTensor === undefined) {
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
        const tensor = this.outputTensor(
          signature.keyValueType,
          buffer.subarray(0, length),
          dimensions,
        );
        this.prepared.set(name, tensor);
        fetches[name] = tensor;
      });
    });
  }

  confirm(outputs: Readonly<Record<string, Tensor>>): boolean {
    if (this.prepared.size === 0 || this.checked) return true;
    // Once per session: the backend really wrote into the pre-allocated tensors — it returns the
    // values too (onnxruntime-node returns copies). A backend that ignored them (or dropped them:
    // onnxruntime-common keeps only fetches that are `instanceof` its own Tensor) gets plain
    // outputs from now on.
    this.checked = true;
    const written = [...this.prepared].every(([name, prepared]) => {
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
      this.outputTensor = undefined;
      this.prepared.clear();
    }
    return written;
  }

  async accept(outputs: Readonly<Record<string, Tensor>>): Promise<ReadonlySet<Tensor>> {
    const { signature } = this;
    const names = signature.presentKeys.flatMap((key, layer) => [
      key,
      signature.presentValues[layer]!,
    ]);
    const next = names.map((name) => {
      const tensor = this.prepared.get(name) ?? outputs[name];
      if (tensor === undefined) {
        throw new RuntimeError('MODEL_INVALID', `The model did not return ${name}.`);
      }
      return tensor;
    });
    for (const tensor of this.past) if (!this.isBufferView(tensor)) tensor.dispose();
    this.past = next;
    if (this.prepared.size > 0) this.current = 1 - this.current;
    this.prepared.clear();
    return new Set(next);
  }

  private isBufferView(tensor: Tensor): boolean {
    return (
      tensor.location === 'cpu' &&
      this.buffers.some((set) =>
        set.some((buffer) => buffer.buffer === (tensor.data as KeyValueArray).buffer),
      )
    );
  }

  async gather(indices: readonly number[]): Promise<void> {
    const gathered = await Promise.all(this.past.map((tensor) => gatherBatchRows(tensor, indices)));
    for (const tensor of this.past) if (!this.isBufferView(tensor)) tensor.dispose();
    this.past = gathered;
  }

  clear(): void {
    for (const tensor of this.past) if (!this.isBufferView(tensor)) tensor.dispose();
    this.past = [];
    this.buffers = [[], []];
    this.prepared.clear();
  }
}

/**
 * For models whose outputs are only the call's own keys and values (`new_key_values.*`): one
 * buffer per layer, `[batch, heads, slots, head size]`, fed whole as the past (the slots past
 * the cached tokens are masked out by the session) and appended to in place after each call. It
 * grows with spare slots ({@link slotsFor}) by one copy; no other call copies the whole cache.
 */
class AppendedKeyValueCache implements KeyValueCache {
  private buffers: KeyValueArray[] = [];
  private capacity = 0;
  private rows = 0;

  constructor(
    private readonly signature: ModelSignature,
    private readonly config: ModelConfig,
  ) {}

  get slots(): number {
    return this.capacity;
  }

  private allocate(length: number): KeyValueArray {
    return this.signature.keyValueType === 'float16'
      ? new Uint16Array(length)
      : new Float32Array(length);
  }

  private tensorOver(data: KeyValueArray, dimensions: number[]): Tensor {
    return this.signature.keyValueType === 'float16'
      ? new Tensor('float16', data as Uint16Array, dimensions)
      : new Tensor('float32', data as Float32Array, dimensions);
  }

  addFeeds(batchSize: number, feeds: Record<string, Tensor>, temporaries: Tensor[]): void {
    const { signature, config } = this;
    const dimensions = [batchSize, config.headCount, this.capacity, config.headSize];
    signature.pastKeys.forEach((keyName, layer) => {
      [keyName, signature.pastValues[layer]!].forEach((name, kind) => {
        const tensor = this.tensorOver(
          this.buffers[2 * layer + kind] ?? this.allocate(0),
          dimensions,
        );
        temporaries.push(tensor);
        feeds[name] = tensor;
      });
    });
  }

  confirm(): boolean {
    return true;
  }

  addFetches(_batchSize: number, _added: number, fetches: Record<string, Tensor | null>): void {
    const { signature } = this;
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
    const { signature, config } = this;
    const names = signature.newKeys.flatMap((key, layer) => [key, signature.newValues[layer]!]);
    const current = await Promise.all(
      names.map(async (name) => {
        const tensor = outputs[name];
        if (tensor === undefined) {
          throw new RuntimeError('MODEL_INVALID', `The model did not return ${name}.`);
        }
        return { tensor, values: await valuesOf(tensor) };
      }),
    );
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
    if (length + added > this.capacity || rows !== this.rows)
      this.grow(length, length + added, rows);
    const capacity = this.capacity;
    current.forEach(({ values }, index) => {
      const buffer = this.buffers[index]!;
      for (let row = 0; row < rows; row++) {
        buffer.set(
          values.subarray(row * added * rowSize, (row + 1) * added * rowSize),
          (row * capacity + length) * rowSize,
        );
      }
    });
    return new Set();
  }

  /** New buffers with room for `needed` positions; the first `length` of each row are kept. */
  private grow(length: number, needed: number, rows: number): void {
    const { config } = this;
    const capacity = slotsFor(needed, config.contextLength);
    const rowSize = config.headSize;
    const keep = rows === this.rows ? length : 0;
    this.buffers = Array.from({ length: 2 * this.signature.pastKeys.length }, (_, index) => {
      const buffer = this.allocate(rows * capacity * rowSize);
      const old = this.buffers[index];
      if (old !== undefined && keep > 0) {
        for (let row = 0; row < rows; row++) {
          const from = row * this.capacity * rowSize;
          buffer.set(old.subarray(from, from + keep * rowSize), row * capacity * rowSize);
        }
      }
      return buffer;
    });
    this.capacity = capacity;
    this.rows = rows;
  }

  async gather(indices: readonly number[]): Promise<void> {
    const rowsPerEntry = this.config.headCount;
    const entrySize = rowsPerEntry * this.capacity * this.config.headSize;
    this.buffers = this.buffers.map((buffer) => {
      const gathered = this.allocate(buffer.length);
      indices.forEach((index, entry) => {
        gathered.set(
          buffer.subarray(index * entrySize, (index + 1) * entrySize),
          entry * entrySize,
        );
      });
      return gathered;
    });
  }

  clear(): void {
    this.buffers = [];
    this.capacity = 0;
    this.rows = 0;
  }
}
