import type { Float32Tensor, LinearWeights } from '../checkpoint/gpt2-weights.js';
import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { BlockQuantizedStorage } from './block-quantized-storage.js';
import { FloatStorage } from './float-storage.js';
import { Int8PerChannelStorage } from './int8-per-channel-storage.js';

/**
 * How the weights are stored in the model file. Activations and I/O are float32 in every case.
 * `q8`: 8-bit `MatMulNBits` blocks (fastest in onnxruntime-node); `int8`: per-channel int8 by
 * `DynamicQuantizeMatMul` (fastest in onnxruntime-web, whose `MatMulNBits` is slow); `q4`: 4-bit
 * `MatMulNBits` blocks of 32.
 */
export type WeightDataType = 'fp32' | 'fp16' | 'q8' | 'int8' | 'q4';

/** Which ONNX Runtime kernel multiplies by int8 weights (`q8`). */
export type Int8MatMulKernel = 'DynamicQuantizeMatMul' | 'MatMulNBits';

/** Choices between equivalent encodings, for measuring; the defaults are the measured best. */
export interface WeightStorageTuning {
  /**
   * `q8`: 8-bit `MatMulNBits` in blocks of `int8BlockSize` (default; activations quantized per
   * block), or per-channel `DynamicQuantizeMatMul` (activations quantized per tensor: faster
   * prefill, a smaller file, larger error).
   */
  int8Kernel?: Int8MatMulKernel;
  /**
   * `q8` with `MatMulNBits`: the block size (default 256, the largest ONNX Runtime takes: per
   * token 4–9 % faster than 128 and about a quarter faster than 32, with the fewest scales to
   * read; KL to fp32 still below per-channel int8's — bench/runtime/README.md).
   */
  int8BlockSize?: number;
  /** `q4`: block size (default 32). */
  int4BlockSize?: number;
  /** `q4`/`q8` with `MatMulNBits`: per-block zero points (default false: symmetric). */
  asymmetric?: boolean;
  /** `MatMulNBits` `accuracy_level` (default 4: int8 activations, the fast CPU path). */
  accuracyLevel?: number;
  /**
   * `q8`/`q4`: where token-embedding lookups read from: the quantized table that the output
   * projection uses, dequantized by plain ONNX operators (default: stored once) or by one
   * `com.microsoft.GatherBlockQuantized`, or a float16 copy (stored twice, for comparison).
   */
  embeddingLookup?: 'quantized' | 'GatherBlockQuantized' | 'float16';
  /** fp32/fp16 output projection: `Gemm` with `transB` (default) or `MatMul` by a transposed copy. */
  outputProjection?: 'Gemm' | 'MatMul';
}

/** An embedding table usable for lookups and, for the tied language-model head, projections. */
export interface EmbeddingTable {
  /** `table[indices]` for indices `[B, S]`: `[B, S, size]` float32. */
  lookup(indices: string): string;
  /** `input · tableᵀ`: `[..., rows]` float32 (the logits, for the token table). */
  project(input: string): string;
}

/** Writes weights in one storage format and the nodes that multiply by them. */
export interface WeightStorage {
  readonly dataType: WeightDataType;
  /** `input · weight + bias` for a Conv1D weight `[in, out]`. */
  linear(input: string, layer: LinearWeights, name: string): string;
  /** A `[rows, size]` table (token embedding / untied `lm_head`, stored once for both uses). */
  table(table: Float32Tensor, name: string): EmbeddingTable;
  /** A table only ever looked up (position embedding). */
  lookupTable(table: Float32Tensor, name: string): EmbeddingTable;
}

/** Creates the storage for `dataType`, adding initializers and nodes to `graph`. */
export function createWeightStorage(
  graph: OnnxGraphBuilder,
  dataType: WeightDataType,
  tuning: WeightStorageTuning = {},
): WeightStorage {
  switch (dataType) {
    case 'fp32':
      return new FloatStorage(graph, 'float32', tuning);
    case 'fp16':
      return new FloatStorage(graph, 'float16', tuning);
    case 'q8':
      return (tuning.int8Kernel ?? 'MatMulNBits') === 'DynamicQuantizeMatMul'
        ? new Int8PerChannelStorage(graph, 'q8')
        : new BlockQuantizedStorage(graph, 8, tuning.int8BlockSize ?? 256, tuning);
    case 'int8':
      return new Int8PerChannelStorage(graph);
    case 'q4':
      return new BlockQuantizedStorage(graph, 4, tuning.int4BlockSize ?? 32, tuning);
  }
}
