/**
 * Test-only helpers: load the tiny GPT-2 fixtures and run converted models with onnxruntime-node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as OnnxRuntime from 'onnxruntime-node';
import { type Gpt2Config, readGpt2Config } from '../../src/checkpoint/gpt2-config.js';
import { type Gpt2Weights, normalizeGpt2StateDict } from '../../src/checkpoint/gpt2-weights.js';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { readTorchCheckpoint } from '../../src/checkpoint/torch-checkpoint.js';

const require = createRequire(import.meta.url);
/** onnxruntime-node, loaded with `require` (its CommonJS entry). */
export const ort = require('onnxruntime-node') as typeof OnnxRuntime;

export const fixturesDirectory = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
);

/** reference.json of a fixture (see tooling/gpt2-fixtures/reference.py). */
export interface ReferenceFile {
  prompts: {
    name: string;
    input_ids: number[];
    prefill_logits: number[][];
    first_token: number;
    steps: { input_id: number; position: number; argmax: number; logits: number[] }[];
    greedy: number[];
  }[];
  batch: {
    input_ids: number[][];
    attention_mask: number[][];
    position_ids: number[][];
    pad_id: number;
    last_logits: number[][];
    steps: { input_ids: number[]; position_ids: number[]; argmax: number[]; logits: number[][] }[];
  };
}

export function readReference(fixture: string): ReferenceFile {
  return JSON.parse(readFileSync(join(fixturesDirectory, fixture, 'reference.json'), 'utf8'));
}

/** A fixture's config and weights, read with the package's own readers. */
export function loadFixture(fixture: string): { config: Gpt2Config; weights: Gpt2Weights } {
  const directory = join(fixturesDirectory, fixture);
  const config = readGpt2Config(readFileSync(join(directory, 'config.json'), 'utf8'));
  const safetensors = join(directory, 'model.safetensors');
  const stateDict = existsSync(safetensors)
    ? readSafetensors(new Uint8Array(readFileSync(safetensors)))
    : readTorchCheckpoint(new Uint8Array(readFileSync(join(directory, 'pytorch_model.bin'))));
  return { config, weights: normalizeGpt2StateDict(stateDict, config) };
}

/** The tiny tied fixture (2 layers, 64 wide, 4 heads, 1000 tokens). */
export function loadTinyGpt2(): { config: Gpt2Config; weights: Gpt2Weights } {
  return loadFixture('tiny-gpt2');
}

/** A session over a converted model, 1 thread, all graph optimizations. */
export async function createSession(
  bytes: Uint8Array,
  threads = 1,
): Promise<OnnxRuntime.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
}

/**
 * A small runner of the KV-cache layout: prefill then steps, like transformers.js does. With a
 * `new_key_values.*` model it keeps the cache itself (appends this call's keys/values), and
 * `spareSlots` > 0 then puts that many masked slots of junk after each call's entries, as a
 * cache with room to grow has.
 */
export class CachedDecoder {
  private cache: OnnxRuntime.Tensor[] = [];
  private mask: number[][] = [];
  private readonly newOutputs: boolean;

  constructor(
    private readonly session: OnnxRuntime.InferenceSession,
    private readonly config: Gpt2Config,
    private readonly spareSlots = 0,
  ) {
    this.newOutputs = session.outputNames.includes('new_key_values.0.key');
  }

  /** `past ++ current (++ junk slots)` along the sequence axis of `[B, H, T, D]`. */
  private append(past: OnnxRuntime.Tensor, current: OnnxRuntime.Tensor): OnnxRuntime.Tensor {
    const [batch, heads, pastLength, headSize] = past.dims as [number, number, number, number];
    const currentLength = current.dims[2]!;
    const length = pastLength + currentLength + this.spareSlots;
    const data = new Float32Array(batch * heads * length * headSize);
    const pastData = past.data as Float32Array;
    const currentData = current.data as Float32Array;
    for (let row = 0; row < batch * heads; row++) {
      const target = row * length * headSize;
      data.set(
        pastData.subarray(row * pastLength * headSize, (row + 1) * pastLength * headSize),
        target,
      );
      data.set(
        currentData.subarray(row * currentLength * headSize, (row + 1) * currentLength * headSize),
        target + pastLength * headSize,
      );
      for (let slot = pastLength + currentLength; slot < length; slot++) {
        data.fill(1e3 * (slot + 1), target + slot * headSize, target + (slot + 1) * headSize);
      }
    }
    return new ort.Tensor('float32', data, [batch, heads, length, headSize]);
  }

  reset(batch: number): void {
    const headSize = this.config.embeddingSize / this.config.headCount;
    this.cache = [];
    for (let layer = 0; layer < 2 * this.config.layerCount; layer++) {
      this.cache.push(
        new ort.Tensor('float32', new Float32Array(0), [batch, this.config.headCount, 0, headSize]),
      );
    }
    this.mask = Array.from({ length: batch }, () => []);
  }

  /**
   * Runs one call: `ids[b]` new tokens per row, `mask[b]` their attention mask entries,
   * `positions[b]` their position ids. Returns logits `[batch, kept, vocab]` as rows.
   */
  async run(
    ids: number[][],
    positions: number[][],
    maskEntries?: number[][],
    numLogitsToKeep?: number,
  ): Promise<{ logits: number[][][]; dims: readonly number[] }> {
    const batch = ids.length;
    maskEntries ??= ids.map((row) => row.map(() => 1));
    maskEntries.forEach((entries, row) => {
      this.mask[row]!.push(...entries);
    });
    const int64 = (rows: number[][]) =>
      new ort.Tensor(
        'int64',
        BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
        [rows.length, rows[0]!.length],
      );
    const feeds: Record<string, OnnxRuntime.Tensor> = {
      input_ids: int64(ids),
      attention_mask: int64(this.mask),
      position_ids: int64(positions),
    };
    for (let layer = 0; layer < this.config.layerCount; layer++) {
      feeds[`past_key_values.${layer}.key`] = this.cache[2 * layer]!;
      feeds[`past_key_values.${layer}.value`] = this.cache[2 * layer + 1]!;
    }
    feeds.num_logits_to_keep = new ort.Tensor(
      'int64',
      BigInt64Array.from([BigInt(numLogitsToKeep ?? 0)]),
      [],
    );
    const results = await this.session.run(feeds);
    for (let layer = 0; layer < this.config.layerCount; layer++) {
      if (this.newOutputs) {
        this.cache[2 * layer] = this.append(
          this.cache[2 * layer]!,
          results[`new_key_values.${layer}.key`] as OnnxRuntime.Tensor,
        );
        this.cache[2 * layer + 1] = this.append(
          this.cache[2 * layer + 1]!,
          results[`new_key_values.${layer}.value`] as OnnxRuntime.Tensor,
        );
      } else {
        this.cache[2 * layer] = results[`present.${layer}.key`] as OnnxRuntime.Tensor;
        this.cache[2 * layer + 1] = results[`present.${layer}.value`] as OnnxRuntime.Tensor;
      }
    }
    if (this.newOutputs && this.spareSlots > 0) {
      for (const row of this.mask) row.push(...new Array<number>(this.spareSlots).fill(0));
    }
    const logits = results.logits as OnnxRuntime.Tensor;
    const data = logits.data as Float32Array;
    const [, kept, vocabulary] = logits.dims as [number, number, number];
    const rows: number[][][] = [];
    for (let b = 0; b < batch; b++) {
      const perPosition: number[][] = [];
      for (let position = 0; position < kept; position++) {
        const offset = (b * kept + position) * vocabulary;
        perPosition.push(Array.from(data.subarray(offset, offset + vocabulary)));
      }
      rows.push(perPosition);
    }
    return { logits: rows, dims: logits.dims };
  }
}

/** The largest |a - b| over two equally long vectors. */
export function maxAbsoluteDifference(a: readonly number[], b: readonly number[]): number {
  let maximum = 0;
  for (let index = 0; index < a.length; index++)
    maximum = Math.max(maximum, Math.abs(a[index]! - b[index]!));
  return maximum;
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let index = 1; index < values.length; index++)
    if (values[index]! > values[best]!) best = index;
  return best;
}
