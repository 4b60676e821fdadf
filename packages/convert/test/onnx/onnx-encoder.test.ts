import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../src/onnx/graph-builder.js';
import { OnnxDataType } from '../../src/onnx/onnx-data-type.js';
import { encodeModel } from '../../src/onnx/onnx-encoder.js';
import { concatenateChunks } from '../../src/onnx/protobuf-writer.js';
import { ort } from '../gpt2/fixture-model.js';

function modelBytes(graph: OnnxGraphBuilder, metadata?: Record<string, string>): Uint8Array {
  return concatenateChunks(
    encodeModel({
      irVersion: 8,
      opsetImports: [
        { domain: '', version: 17 },
        { domain: 'com.microsoft', version: 1 },
      ],
      producerName: '@bg-gpt2/convert',
      graph: graph.build(),
      ...(metadata ? { metadata } : {}),
    }),
  );
}

describe('ONNX encoder', () => {
  it('writes a model ONNX Runtime loads and runs, with symbolic dims and metadata', async () => {
    const graph = new OnnxGraphBuilder('test');
    const input = graph.input('x', OnnxDataType.float, ['batch', 3]);
    const bias = graph.initializer('bias', OnnxDataType.float, [3], new Float32Array([1, 2, 3]));
    const sum = graph.node('Add', [input, bias]);
    const scaled = graph.node('Mul', [sum, graph.floatConstant([0.5], [])]);
    const softmax = graph.node('Softmax', [scaled], { attributes: { axis: -1 } });
    graph.renameValue(softmax, 'y');
    graph.output('y', OnnxDataType.float, ['batch', 3]);
    const session = await ort.InferenceSession.create(modelBytes(graph, { hello: 'world' }));
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
    const x = new ort.Tensor('float32', new Float32Array([0, 0, 0, 2, 0, -2]), [2, 3]);
    const { y } = await session.run({ x });
    const values = Array.from(y!.data as Float32Array);
    const softmaxOf = (row: number[]) => {
      const exps = row.map(Math.exp);
      const total = exps.reduce((a, b) => a + b);
      return exps.map((value) => value / total);
    };
    const expected = [...softmaxOf([0.5, 1, 1.5]), ...softmaxOf([1.5, 1, 0.5])];
    for (const [index, value] of values.entries()) expect(value).toBeCloseTo(expected[index]!, 6);
  });

  it('writes every attribute kind and the integer and float16 tensor types', async () => {
    const graph = new OnnxGraphBuilder('attributes');
    const input = graph.input('x', OnnxDataType.int64, [2, 3]);
    const transposed = graph.node('Transpose', [input], { attributes: { perm: [1, 0] } }); // ints
    const asFloat = graph.node('Cast', [transposed], { attributes: { to: OnnxDataType.float } }); // int
    const half = graph.initializer('half', OnnxDataType.float16, [1], new Uint16Array([0x3800])); // 0.5
    const halfFloat = graph.node('Cast', [half], { attributes: { to: OnnxDataType.float } });
    const scaled = graph.node('Mul', [asFloat, halfFloat]);
    const clipped = graph.node('LeakyRelu', [scaled], { attributes: { alpha: { float: 0.25 } } }); // float
    const constant = graph.node('Constant', [], {
      attributes: {
        value: {
          tensor: {
            name: 'value',
            dataType: OnnxDataType.int32,
            dims: [1],
            rawData: new Uint8Array(new Int32Array([-3]).buffer),
          },
        },
      },
    }); // tensor
    const constantFloat = graph.node('Cast', [constant], {
      attributes: { to: OnnxDataType.float },
    });
    const shifted = graph.node('Add', [clipped, constantFloat]);
    const gelu = graph.node('Gelu', [shifted], { domain: 'com.microsoft' });
    const mode = graph.node('Pad', [gelu, graph.int64Constant([0, 0, 0, 1])], {
      attributes: { mode: 'constant' },
    }); // string
    const int8 = graph.initializer('int8', OnnxDataType.int8, [1], new Int8Array([-4]));
    const uint8 = graph.initializer('uint8', OnnxDataType.uint8, [1], new Uint8Array([200]));
    const sum8 = graph.node('Add', [
      graph.node('Cast', [int8], { attributes: { to: OnnxDataType.float } }),
      graph.node('Cast', [uint8], { attributes: { to: OnnxDataType.float } }),
    ]);
    graph.renameValue(graph.node('Add', [mode, sum8]), 'y');
    graph.output('y', OnnxDataType.float, [3, 3]);
    const session = await ort.InferenceSession.create(modelBytes(graph));
    const x = new ort.Tensor('int64', BigInt64Array.from([0n, 2n, 4n, 6n, 8n, 10n]), [2, 3]);
    const { y } = await session.run({ x });
    expect(y!.dims).toEqual([3, 3]);
    const gelu0 = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
    // x transposed: [[0, 6], [2, 8], [4, 10]] · 0.5 → [[0, 3], [1, 4], [2, 5]] - 3 → gelu, pad a column of 0, + 196.
    const expected = [
      [gelu0(-3), gelu0(0), 0],
      [gelu0(-2), gelu0(1), 0],
      [gelu0(-1), gelu0(2), 0],
    ]
      .flat()
      .map((value) => value + 196);
    for (const [index, value] of Array.from(y!.data as Float32Array).entries()) {
      expect(value).toBeCloseTo(expected[index]!, 4);
    }
  });
});

/** erf by Abramowitz–Stegun 7.1.26 is too coarse; use a series (|x| ≤ 3 here). */
function erf(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
