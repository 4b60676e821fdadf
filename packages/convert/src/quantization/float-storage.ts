import type { Float32Tensor, LinearWeights } from '../checkpoint/gpt2-weights.js';
import type { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxDataType } from '../onnx/onnx-data-type.js';
import { toFloat16 } from './float16.js';
import { matrixSize } from './matrix.js';
import type {
  EmbeddingTable,
  WeightDataType,
  WeightStorage,
  WeightStorageTuning,
} from './weight-storage.js';

/**
 * float32 weights, or float16 weights widened by a `Cast` right after the initializer (ONNX
 * Runtime folds the Cast at load time: half the download, float32 speed and accuracy of the
 * arithmetic). A whole float16 graph was measured no faster on x86 CPUs.
 */
export class FloatStorage implements WeightStorage {
  readonly dataType: WeightDataType;

  constructor(
    private readonly graph: OnnxGraphBuilder,
    private readonly precision: 'float32' | 'float16',
    private readonly tuning: WeightStorageTuning = {},
  ) {
    this.dataType = precision === 'float16' ? 'fp16' : 'fp32';
  }

  /** Stores a tensor and returns the name of its stored (possibly float16) value. */
  private store(name: string, tensor: Float32Tensor): string {
    return this.precision === 'float16'
      ? this.graph.initializer(name, OnnxDataType.float16, tensor.shape, toFloat16(tensor.data))
      : this.graph.initializer(name, OnnxDataType.float, tensor.shape, tensor.data);
  }

  private toFloat32(value: string, name?: string): string {
    if (this.precision === 'float32') return value;
    return this.graph.node('Cast', [value], {
      ...(name ? { name } : {}),
      attributes: { to: OnnxDataType.float },
    });
  }

  linear(input: string, layer: LinearWeights, name: string): string {
    const { graph } = this;
    const weight = this.toFloat32(this.store(`${name}.weight`, layer.weight), `${name}.float`);
    const bias = graph.initializer(
      `${name}.bias`,
      OnnxDataType.float,
      layer.bias.shape,
      layer.bias.data,
    );
    const product = graph.node('MatMul', [input, weight], { name: `${name}.matmul` });
    return graph.node('Add', [product, bias], { name: `${name}.add_bias` });
  }

  table(table: Float32Tensor, name: string): EmbeddingTable {
    const [rows, size] = matrixSize(table);
    const { graph } = this;
    const stored = this.store(name, table);
    let widened: string | undefined;
    return {
      lookup: (indices) =>
        this.toFloat32(graph.node('Gather', [stored, indices], { name: `${name}.gather` })),
      project: (input) => {
        widened ??= this.toFloat32(stored, `${name}.float`);
        if (this.tuning.outputProjection === 'MatMul') {
          // ONNX Runtime folds the Transpose into a second, transposed copy at load time.
          const transposed = graph.node('Transpose', [widened], { attributes: { perm: [1, 0] } });
          return graph.node('MatMul', [input, transposed], { name: `${name}.project` });
        }
        // Gemm is 2-D: flatten the leading dimensions, multiply by tableᵀ, restore them.
        const leading = graph.node('Shape', [input], { attributes: { start: 0, end: -1 } });
        const flat = graph.node('Reshape', [input, graph.int64Constant([-1, size])]);
        const product = graph.node('Gemm', [flat, widened], {
          name: `${name}.project`,
          attributes: { transB: 1 },
        });
        const outputShape = graph.node('Concat', [leading, graph.int64Constant([rows])], {
          attributes: { axis: 0 },
        });
        return graph.node('Reshape', [product, outputShape]);
      },
    };
  }

  lookupTable(table: Float32Tensor, name: string): EmbeddingTable {
    return this.table(table, name);
  }
}
