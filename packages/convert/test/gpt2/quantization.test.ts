import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../src/onnx/graph-builder.js';
import { OnnxDataType } from '../../src/onnx/onnx-data-type.js';
import { encodeModel } from '../../src/onnx/onnx-encoder.js';
import { concatenateChunks } from '../../src/onnx/protobuf-writer.js';
import { quantizeBlockwise } from '../../src/quantization/block-quantization.js';
import { float16Bits, float16Value, toFloat16 } from '../../src/quantization/float16.js';
import { quantizeInt8PerChannel } from '../../src/quantization/int8-per-channel.js';
import { transposeMatrix } from '../../src/quantization/matrix.js';
import { ort } from './fixture-model.js';

function seededValues(count: number, seed: number, scale = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648 - 0.5) * 2 * scale;
  });
}

describe('float16', () => {
  it('rounds to nearest even and handles the edges', () => {
    expect(float16Bits(0)).toBe(0);
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00); // rounds up to Infinity
    expect(float16Bits(1e6)).toBe(0x7c00);
    expect(float16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(float16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
    expect(float16Bits(2 ** -24)).toBe(1); // smallest subnormal
    expect(float16Bits(2 ** -25)).toBe(0); // tie → even (0)
    expect(float16Bits(3 * 2 ** -25)).toBe(2); // tie → even (2)
    expect(float16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
  });

  it('round-trips every half-precision value exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >> 10) & 0x1f;
      if (exponent === 0x1f && bits & 0x3ff) continue; // NaN
      const value = float16Value(bits);
      if (float16Bits(value) !== bits)
        throw new Error(`0x${bits.toString(16)} → ${value} → 0x${float16Bits(value).toString(16)}`);
    }
    expect(Array.from(toFloat16(new Float32Array([0.5, -1.5])))).toEqual([0x3800, 0xbe00]);
  });
});

describe('int8 per-channel quantization', () => {
  it('keeps every value within half a step of its column scale', () => {
    const [rows, columns] = [37, 11];
    const weight = seededValues(rows * columns, 7);
    weight[5] = 3; // one large value in column 5
    const { data, scales } = quantizeInt8PerChannel(weight, rows, columns);
    expect(scales[5]).toBeCloseTo(3 / 127, 7);
    for (let index = 0; index < weight.length; index++) {
      const column = index % columns;
      expect(Math.abs(data[index]! * scales[column]! - weight[index]!)).toBeLessThanOrEqual(
        scales[column]! / 2 + 1e-7,
      );
    }
  });
});

describe('block quantization (MatMulNBits layout)', () => {
  it.each([
    [4, 32, false],
    [4, 32, true],
    [8, 32, false],
    [4, 16, true],
  ] as const)(
    '%i bits, blocks of %i, asymmetric %s: error within a step',
    (bits, blockSize, asymmetric) => {
      const [n, k] = [5, 80]; // k not a multiple of the block size: the last block is padded
      const weight = seededValues(n * k, 3);
      const quantized = quantizeBlockwise(weight, n, k, { bits, blockSize, asymmetric });
      const blockCount = Math.ceil(k / blockSize);
      expect(quantized.packed.byteLength).toBe((n * blockCount * blockSize * bits) / 8);
      expect(quantized.scales.length).toBe(n * blockCount);
      const code = (row: number, index: number) => {
        const block = Math.floor(index / blockSize);
        const within = index % blockSize;
        const offset = ((row * blockCount + block) * blockSize * bits) / 8;
        if (bits === 8) return quantized.packed[offset + within]!;
        const byte = quantized.packed[offset + (within >> 1)]!;
        return within & 1 ? byte >> 4 : byte & 15;
      };
      const zeroPoint = (row: number, block: number) => {
        if (!quantized.zeroPoints) return 1 << (bits - 1);
        const perRow = Math.ceil((blockCount * bits) / 8);
        if (bits === 8) return quantized.zeroPoints[row * perRow + block]!;
        const byte = quantized.zeroPoints[row * perRow + (block >> 1)]!;
        return block & 1 ? byte >> 4 : byte & 15;
      };
      for (let row = 0; row < n; row++) {
        for (let index = 0; index < k; index++) {
          const block = Math.floor(index / blockSize);
          const scale = quantized.scales[row * blockCount + block]!;
          const value = (code(row, index) - zeroPoint(row, block)) * scale;
          // Symmetric codes span [-2^(bits-1), 2^(bits-1) - 1] with the extreme value at the low
          // end, so a value near the opposite extreme may be clipped by up to one step.
          const bound = Math.abs(scale) * (asymmetric ? 0.5 : 1) + 1e-6;
          expect(Math.abs(value - weight[row * k + index]!)).toBeLessThanOrEqual(bound);
        }
      }
    },
  );

  it.each([4, 8] as const)('agrees with ONNX Runtime’s MatMulNBits (%i bits)', async (bits) => {
    const [m, k, n] = [3, 64, 24];
    const weightKn = seededValues(k * n, 11); // Conv1D layout [K, N]
    const input = seededValues(m * k, 5);
    const quantized = quantizeBlockwise(transposeMatrix(weightKn, k, n), n, k, {
      bits,
      blockSize: 32,
      asymmetric: true,
    });
    const graph = new OnnxGraphBuilder('matmul');
    const a = graph.input('a', OnnxDataType.float, [m, k]);
    const packed = graph.initializer(
      'b',
      OnnxDataType.uint8,
      [n, 2, (32 * bits) / 8],
      quantized.packed,
    );
    const scales = graph.initializer('scales', OnnxDataType.float, [n, 2], quantized.scales);
    const zeros = graph.initializer(
      'zeros',
      OnnxDataType.uint8,
      [n, Math.ceil((2 * bits) / 8)],
      quantized.zeroPoints!,
    );
    const y = graph.node('MatMulNBits', [a, packed, scales, zeros], {
      domain: 'com.microsoft',
      attributes: { K: k, N: n, bits, block_size: 32, accuracy_level: 0 },
    });
    graph.renameValue(y, 'y');
    graph.output('y', OnnxDataType.float, [m, n]);
    const bytes = concatenateChunks(
      encodeModel({
        irVersion: 8,
        opsetImports: [
          { domain: '', version: 17 },
          { domain: 'com.microsoft', version: 1 },
        ],
        producerName: 'test',
        graph: graph.build(),
      }),
    );
    const session = await ort.InferenceSession.create(bytes);
    const result = await session.run({ a: new ort.Tensor('float32', input, [m, k]) });
    const actual = result.y!.data as Float32Array;
    for (let row = 0; row < m; row++) {
      for (let column = 0; column < n; column++) {
        let exact = 0;
        for (let index = 0; index < k; index++)
          exact += input[row * k + index]! * weightKn[index * n + column]!;
        // 4-bit codes: each weight off by at most half a step (range/15/2 ≈ 0.067); the sum stays close.
        expect(Math.abs(actual[row * n + column]! - exact)).toBeLessThan(bits === 4 ? 0.6 : 0.05);
      }
    }
  });
});
