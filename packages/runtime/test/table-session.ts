import { type InferenceSession, Tensor } from 'onnxruntime-common';
import { type ModelConfig, parseModelConfig } from '../src/index.js';

/** What a {@link TableSession} saw in one `run`. */
export interface RecordedRun {
  inputIds: number[][];
  attentionMask: number[][];
  positionIds: number[][];
  logitsToKeep: number | undefined;
  useCacheBranch: boolean | undefined;
  pastLength: number;
  pastType: string;
}

/** Options of {@link TableSession}. */
export interface TableSessionOptions {
  /** Declare `num_logits_to_keep` (and honour it). */
  logitsToKeep?: boolean;
  /** Declare `use_cache_branch`. */
  useCacheBranch?: boolean;
  /** Past inputs and logits in float16 (as `Uint16Array`). */
  float16?: boolean;
}

/** The config the table model pretends to have: 1 layer, 1 head of size 1, 16 positions. */
export const tableConfig: ModelConfig = parseModelConfig({
  n_layer: 1,
  n_head: 1,
  n_embd: 1,
  n_positions: 16,
  vocab_size: 8,
});

function rows(tensor: Tensor): number[][] {
  const [batch, width] = tensor.dims;
  const data = Array.from(tensor.data as BigInt64Array, Number);
  return Array.from({ length: batch }, (_, row) => data.slice(row * width, (row + 1) * width));
}

/** float16 bits of a small whole number (exact). */
function halfBits(value: number): number {
  if (value === 0) return 0;
  const exponent = Math.floor(Math.log2(value));
  return ((exponent + 15) << 10) | Math.round((value / 2 ** exponent - 1) * 1024);
}

/**
 * A fake ONNX Runtime session with the decoder-with-past signature, for testing what the runtime
 * feeds: the cached "key" of each position is its token id and the "value" its position id, and
 * the logits of a position are `[token, position, mask sum, past length, 0, …]`. Records every
 * run and every tensor it saw, so tests can check that all were disposed.
 */
export class TableSession {
  readonly inputNames: string[];
  readonly outputNames = ['logits', 'present.0.key', 'present.0.value'];
  readonly inputMetadata: InferenceSession.ValueMetadata[];
  readonly outputMetadata: InferenceSession.ValueMetadata[] = [];
  readonly runs: RecordedRun[] = [];
  /** Every tensor fed or returned. */
  readonly tensors: Tensor[] = [];
  released = false;
  private readonly options: TableSessionOptions;

  constructor(options: TableSessionOptions = {}) {
    this.options = options;
    this.inputNames = [
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
    ];
    if (options.logitsToKeep) this.inputNames.push('num_logits_to_keep');
    if (options.useCacheBranch) this.inputNames.push('use_cache_branch');
    const keyValueType = options.float16 ? 'float16' : 'float32';
    this.inputMetadata = this.inputNames.map((name) => ({
      name,
      isTensor: true,
      type: name.startsWith('past') ? keyValueType : name === 'use_cache_branch' ? 'bool' : 'int64',
      shape: [],
    }));
  }

  /** The session as onnxruntime-common's interface. */
  asInferenceSession(): InferenceSession {
    return this as unknown as InferenceSession;
  }

  async run(feeds: Record<string, Tensor>, fetches: string[]): Promise<Record<string, Tensor>> {
    for (const name of this.inputNames) {
      if (!(name in feeds)) throw new Error(`input '${name}' is missing in 'feeds'.`);
    }
    for (const tensor of Object.values(feeds)) this.tensors.push(tensor);
    const inputIds = rows(feeds.input_ids);
    const attentionMask = rows(feeds.attention_mask);
    const positionIds = rows(feeds.position_ids);
    const pastKey = feeds['past_key_values.0.key'];
    const pastValue = feeds['past_key_values.0.value'];
    const [batch, , pastLength] = pastKey.dims;
    const keep =
      feeds.num_logits_to_keep === undefined
        ? undefined
        : Number((feeds.num_logits_to_keep.data as BigInt64Array)[0]);
    this.runs.push({
      inputIds,
      attentionMask,
      positionIds,
      logitsToKeep: keep,
      useCacheBranch:
        feeds.use_cache_branch === undefined
          ? undefined
          : (feeds.use_cache_branch.data as Uint8Array)[0] === 1,
      pastLength,
      pastType: pastKey.type,
    });
    const sequence = inputIds[0].length;
    const total = pastLength + sequence;
    const half = this.options.float16 === true;
    const make = (values: number[], dims: number[]): Tensor =>
      half
        ? new Tensor('float16', Uint16Array.from(values, halfBits), dims)
        : new Tensor('float32', Float32Array.from(values), dims);
    const readPast = (tensor: Tensor, row: number): number[] => {
      const data = Array.from(tensor.data as ArrayLike<number>);
      const values = data.slice(row * pastLength, (row + 1) * pastLength);
      return half
        ? values.map((bits) =>
            bits === 0 ? 0 : 2 ** ((bits >> 10) - 15) * (1 + (bits & 0x3ff) / 1024),
          )
        : values;
    };
    const keys: number[] = [];
    const values: number[] = [];
    for (let row = 0; row < batch; row++) {
      keys.push(...readPast(pastKey, row), ...inputIds[row]);
      values.push(...readPast(pastValue, row), ...positionIds[row]);
    }
    const kept = keep === undefined || keep === 0 ? sequence : Math.min(keep, sequence);
    const logits: number[] = [];
    for (let row = 0; row < batch; row++) {
      const maskSum = attentionMask[row].reduce((sum, bit) => sum + bit, 0);
      for (let position = sequence - kept; position < sequence; position++) {
        logits.push(
          inputIds[row][position],
          positionIds[row][position],
          maskSum,
          pastLength,
          0,
          0,
          0,
          0,
        );
      }
    }
    const outputs: Record<string, Tensor> = {
      logits: make(logits, [batch, kept, 8]),
      'present.0.key': make(keys, [batch, 1, total, 1]),
      'present.0.value': make(values, [batch, 1, total, 1]),
    };
    const result: Record<string, Tensor> = {};
    for (const name of fetches) {
      result[name] = outputs[name];
      this.tensors.push(outputs[name]);
    }
    return result;
  }

  async release(): Promise<void> {
    this.released = true;
  }
}
