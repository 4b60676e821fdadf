import type { Float32Tensor, LinearWeights } from '../checkpoint/gpt2-weights.js';
import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxDataType } from '../onnx/onnx-data-type.js';
import { quantizeBlockwise } from './block-quantization.js';
import { FloatStorage } from './float-storage.js';
import { matrixSize, transposeMatrix } from './matrix.js';
import type {
  EmbeddingTable,
  WeightDataType,
  WeightStorage,
  WeightStorageTuning,
} from './weight-storage.js';

const microsoft = 'com.microsoft';

/** The initializers of one `[N, K]` weight in the `MatMulNBits` layout. */
interface StoredBlockWeight {
  packed: string;
  scales: string;
  /** `''` when symmetric. */
  zeroPoints: string;
  blockCount: number;
}

/**
 * 4- or 8-bit block-quantized weights multiplied by `com.microsoft.MatMulNBits`. The tied
 * table `[rows, size]` is already in that operator's `[N, K]` layout, so it is stored once;
 * lookups gather its rows and dequantize them with plain ONNX operators. Position embeddings
 * are stored as float16.
 */
export class BlockQuantizedStorage implements WeightStorage {
  readonly dataType: WeightDataType;

  constructor(
    private readonly graph: OnnxGraphBuilder,
    private readonly bits: 4 | 8,
    private readonly blockSize: number,
    private readonly tuning: WeightStorageTuning = {},
  ) {
    this.dataType = bits === 4 ? 'q4' : 'q8';
  }

  /** Quantizes and stores an output-major `[n, k]` weight. */
  private store(outputMajor: Float32Array, n: number, k: number, name: string): StoredBlockWeight {
    const { graph, bits, blockSize } = this;
    const quantized = quantizeBlockwise(outputMajor, n, k, {
      bits,
      blockSize,
      asymmetric: this.tuning.asymmetric ?? false,
    });
    const { blockCount } = quantized;
    const packed = graph.initializer(
      `${name}.weight_q${bits}`,
      OnnxDataType.uint8,
      [n, blockCount, (blockSize * bits) / 8],
      quantized.packed,
    );
    const scales = graph.initializer(
      `${name}.weight_scale`,
      OnnxDataType.float,
      [n, blockCount],
      quantized.scales,
    );
    const zeroPoints = quantized.zeroPoints
      ? graph.initializer(
          `${name}.weight_zero_point`,
          OnnxDataType.uint8,
          [n, Math.ceil((blockCount * bits) / 8)],
          quantized.zeroPoints,
        )
      : '';
    return { packed, scales, zeroPoints, blockCount };
  }

  private matMulNBits(
    input: string,
    stored: StoredBlockWeight,
    k: number,
    n: number,
    name: string,
    bias = '',
  ): string {
    // Inputs: A, B, scales, zero_points, g_idx (unused), bias; trailing omitted ones dropped.
    const inputs = [input, stored.packed, stored.scales, stored.zeroPoints, '', bias];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    return this.graph.node('MatMulNBits', inputs, {
      domain: microsoft,
      name,
      attributes: {
        K: k,
        N: n,
        bits: this.bits,
        block_size: this.blockSize,
        accuracy_level: this.tuning.accuracyLevel ?? 4,
      },
    });
  }

  linear(input: string, layer: LinearWeights, name: string): string {
    const [k, n] = matrixSize(layer.weight);
    const stored = this.store(transposeMatrix(layer.weight.data, k, n), n, k, name);
    const bias = this.graph.initializer(
      `${name}.bias`,
      OnnxDataType.float,
      layer.bias.shape,
      layer.bias.data,
    );
    return this.matMulNBits(input, stored, k, n, `${name}.matmul`, bias);
  }

  table(table: Float32Tensor, name: string): EmbeddingTable {
    const [rows, size] = matrixSize(table);
    const lookup = this.tuning.embeddingLookup ?? 'quantized';
    const stored = this.store(table.data, rows, size, name);
    const project = (input: string) =>
      this.matMulNBits(input, stored, size, rows, `${name}.project`);
    if (lookup === 'GatherBlockQuantized' && !stored.zeroPoints) {
      return {
        lookup: (indices) => this.gatherBlockQuantized(stored, indices, size, name),
        project,
      };
    }
    if (lookup === 'float16') {
      const copy = new FloatStorage(this.graph, 'float16').table(table, `${name}.float16`);
      return { lookup: (indices) => copy.lookup(indices), project };
    }
    return { lookup: (indices) => this.dequantizedRows(stored, indices, size, name), project };
  }

  lookupTable(table: Float32Tensor, name: string): EmbeddingTable {
    return new FloatStorage(this.graph, 'float16').table(table, name);
  }

  /**
   * `table[indices]` dequantized by one `com.microsoft.GatherBlockQuantized`, which reads the
   * `MatMulNBits` codes `[rows, blockCount, blobSize]` as they are (blocks of `blockSize` along
   * its last axis, the default zero point) with the scales viewed as `[rows, blockCount, 1]` (a
   * `Reshape` ONNX Runtime folds at load): `[B, S, size]` float32. Symmetric tables only.
   */
  private gatherBlockQuantized(
    stored: StoredBlockWeight,
    indices: string,
    size: number,
    name: string,
  ): string {
    const { graph, bits, blockSize } = this;
    graph.scope = `${name}.lookup`;
    const scales = graph.node('Reshape', [stored.scales, graph.int64Constant([0, 0, 1])], {
      name: 'block_scales',
    });
    const blocks = graph.node('GatherBlockQuantized', [stored.packed, indices, scales], {
      domain: microsoft,
      name: 'gather',
      attributes: { bits, block_size: blockSize, gather_axis: 0, quantize_axis: 2 },
    }); // [B, S, blockCount, blockSize]
    const result = this.firstValues(blocks, stored.blockCount * blockSize, size);
    graph.scope = '';
    return result;
  }

  /** `[B, S, blockCount, blockSize]` → `[B, S, blockCount · blockSize]` → the first `size` values. */
  private firstValues(blocks: string, padded: number, size: number): string {
    const { graph } = this;
    const flat = graph.node('Reshape', [blocks, graph.int64Constant([0, 0, padded])]);
    return padded === size
      ? flat
      : graph.node('Slice', [
          flat,
          graph.int64Constant([0]),
          graph.int64Constant([size]),
          graph.int64Constant([-1]),
        ]);
  }

  /** `table[indices]` dequantized: `[B, S, size]` float32, from the packed rows. */
  private dequantizedRows(
    stored: StoredBlockWeight,
    indices: string,
    size: number,
    name: string,
  ): string {
    const { graph, bits, blockSize } = this;
    const { blockCount } = stored;
    graph.scope = `${name}.lookup`;
    // Codes [B, S, blockCount, blockSize].
    const packedRows = graph.node('Gather', [stored.packed, indices], { name: 'gather' });
    const codes = this.unpack(packedRows, blockSize);
    const values = graph.node('Cast', [codes], { attributes: { to: OnnxDataType.float } });
    // Zero points [B, S, blockCount, 1] (or the symmetric midpoint).
    let zeroPoint = graph.floatConstant([1 << (bits - 1)], []);
    if (stored.zeroPoints) {
      const zeroPointRows = graph.node('Gather', [stored.zeroPoints, indices]);
      const zeroCodes = graph.node('Slice', [
        this.unpack(zeroPointRows, -1),
        graph.int64Constant([0]),
        graph.int64Constant([blockCount]),
        graph.int64Constant([-1]),
      ]);
      const zeroValues = graph.node('Cast', [zeroCodes], {
        attributes: { to: OnnxDataType.float },
      });
      zeroPoint = graph.node('Unsqueeze', [zeroValues, graph.int64Constant([-1])]);
    }
    const rowScales = graph.node('Gather', [stored.scales, indices]); // [B, S, blockCount]
    const scale = graph.node('Unsqueeze', [rowScales, graph.int64Constant([-1])]);
    const dequantized = graph.node('Mul', [graph.node('Sub', [values, zeroPoint]), scale], {
      name: 'dequantize',
    });
    const result = this.firstValues(dequantized, blockCount * blockSize, size);
    graph.scope = '';
    return result;
  }

  /**
   * The int32 codes of packed bytes: 8-bit bytes as they are; 4-bit bytes split into
   * (low nibble, high nibble) along the last axis, whose length becomes `lastAxisLength`
   * (-1: twice the bytes).
   */
  private unpack(packed: string, lastAxisLength: number): string {
    const { graph } = this;
    const bytes = graph.node('Cast', [packed], { attributes: { to: OnnxDataType.int32 } });
    if (this.bits === 8) return bytes;
    const sixteen = graph.int32Constant([16], []);
    const lastAxis = graph.int64Constant([-1]);
    const low = graph.node('Unsqueeze', [graph.node('Mod', [bytes, sixteen]), lastAxis]);
    const high = graph.node('Unsqueeze', [graph.node('Div', [bytes, sixteen]), lastAxis]);
    const pairs = graph.node('Concat', [low, high], { attributes: { axis: -1 } }); // [..., bytes, 2]
    const leading = graph.node('Shape', [packed], { attributes: { start: 0, end: -1 } });
    const shape = graph.node('Concat', [leading, graph.int64Constant([lastAxisLength])], {
      attributes: { axis: 0 },
    });
    return graph.node('Reshape', [pairs, shape]);
  }
}
