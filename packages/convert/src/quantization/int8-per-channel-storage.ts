import type { Float32Tensor, LinearWeights } from '../checkpoint/gpt2-weights.js';
import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxDataType } from '../onnx/onnx-data-type.js';
import { FloatStorage } from './float-storage.js';
import { quantizeInt8PerChannel } from './int8-per-channel.js';
import { matrixSize, transposeMatrix } from './matrix.js';
import type { EmbeddingTable, WeightDataType, WeightStorage } from './weight-storage.js';

const microsoft = 'com.microsoft';

/**
 * int8 weights with one scale per output channel, multiplied by
 * `com.microsoft.DynamicQuantizeMatMul` (activations quantized to uint8 per tensor on the fly).
 * The tied table is stored once, transposed to `[size, rows]` so that it is the projection's
 * `B`; lookups gather its columns. Position embeddings are stored as float16.
 */
export class Int8PerChannelStorage implements WeightStorage {
  readonly dataType: WeightDataType;

  /** @param dataType `int8`, or `q8` when asked for by {@link WeightStorageTuning.int8Kernel}. */
  constructor(
    private readonly graph: OnnxGraphBuilder,
    dataType: WeightDataType = 'int8',
  ) {
    this.dataType = dataType;
  }

  /** Stores `[k, n]` as int8 + `[n]` scales. */
  private store(kMajor: Float32Array, k: number, n: number, name: string) {
    const { data, scales } = quantizeInt8PerChannel(kMajor, k, n);
    return {
      weight: this.graph.initializer(`${name}.weight_int8`, OnnxDataType.int8, [k, n], data),
      scale: this.graph.initializer(`${name}.weight_scale`, OnnxDataType.float, [n], scales),
    };
  }

  linear(input: string, layer: LinearWeights, name: string): string {
    const { graph } = this;
    const [k, n] = matrixSize(layer.weight);
    const { weight, scale } = this.store(layer.weight.data, k, n, name);
    const bias = graph.initializer(
      `${name}.bias`,
      OnnxDataType.float,
      layer.bias.shape,
      layer.bias.data,
    );
    // Inputs: A, B, b_scale, b_zero_point (none: symmetric), bias.
    return graph.node('DynamicQuantizeMatMul', [input, weight, scale, '', bias], {
      domain: microsoft,
      name: `${name}.matmul`,
    });
  }

  table(table: Float32Tensor, name: string): EmbeddingTable {
    const { graph } = this;
    const [rows, size] = matrixSize(table);
    const { weight, scale } = this.store(transposeMatrix(table.data, rows, size), size, rows, name);
    return {
      lookup: (indices) => {
        // Columns of the [size, rows] table: [size, B, S] → [B, S, size], times their scales.
        const columns = graph.node('Gather', [weight, indices], {
          name: `${name}.gather`,
          attributes: { axis: 1 },
        });
        const values = graph.node('Cast', [columns], { attributes: { to: OnnxDataType.float } });
        const moved = graph.node('Transpose', [values], { attributes: { perm: [1, 2, 0] } });
        const rowScales = graph.node('Gather', [scale, indices]);
        const broadcastScales = graph.node('Unsqueeze', [rowScales, graph.int64Constant([-1])]);
        return graph.node('Mul', [moved, broadcastScales], { name: `${name}.dequantize` });
      },
      project: (input) =>
        graph.node('DynamicQuantizeMatMul', [input, weight, scale], {
          domain: microsoft,
          name: `${name}.project`,
        }),
    };
  }

  lookupTable(table: Float32Tensor, name: string): EmbeddingTable {
    return new FloatStorage(this.graph, 'float16').table(table, name);
  }
}
