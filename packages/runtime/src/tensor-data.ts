import { Tensor } from 'onnxruntime-common';
import { RuntimeError } from './errors.js';
import type { KeyValueType } from './model-signature.js';

/** An int64 tensor from plain numbers. */
export function int64Tensor(values: ArrayLike<number>, dimensions: readonly number[]): Tensor {
  const data = new BigInt64Array(values.length);
  for (let index = 0; index < values.length; index++) data[index] = BigInt(values[index]);
  return new Tensor('int64', data, dimensions);
}

/** A cache tensor with no positions yet: [batch, heads, 0, head size]. */
export function emptyKeyValueTensor(
  type: KeyValueType,
  batchSize: number,
  headCount: number,
  headSize: number,
): Tensor {
  const dimensions = [batchSize, headCount, 0, headSize];
  return type === 'float16'
    ? new Tensor('float16', new Uint16Array(0), dimensions)
    : new Tensor('float32', new Float32Array(0), dimensions);
}

const float16Exponents = new Float32Array(32);
for (let exponent = 1; exponent < 31; exponent++) float16Exponents[exponent] = 2 ** (exponent - 15);

/** One IEEE 754 half-precision value (as its 16 bits) to a number. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * float16Exponents[exponent] * (1 + fraction / 1024);
}

/**
 * The values of a float tensor as float32, wherever the tensor lives (a GPU tensor is
 * downloaded). float16 (stored as `Uint16Array` or `Float16Array`) is widened.
 */
export async function readFloat32(tensor: Tensor): Promise<Float32Array> {
  const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData(true);
  if (tensor.type === 'float32') return data as Float32Array;
  if (tensor.type === 'float16') {
    const source = data as ArrayLike<number>;
    const widened = new Float32Array(source.length);
    if (source instanceof Uint16Array) {
      for (let index = 0; index < source.length; index++)
        widened[index] = float16ToNumber(source[index]);
    } else {
      widened.set(source);
    }
    return widened;
  }
  throw new RuntimeError(
    'MODEL_INVALID',
    `The model's logits are ${tensor.type}; expected float32 or float16.`,
  );
}

/**
 * A new CPU tensor whose batch row `i` (the first axis) is row `indices[i]` of `tensor`, wherever
 * `tensor` lives (a GPU tensor is downloaded first).
 */
export async function gatherBatchRows(tensor: Tensor, indices: readonly number[]): Promise<Tensor> {
  const source = (tensor.location === 'cpu' ? tensor.data : await tensor.getData()) as
    | Float32Array
    | Uint16Array;
  const [rows = 0] = tensor.dims;
  const rowLength = rows === 0 ? 0 : source.length / rows;
  const Constructor = source.constructor as new (length: number) => Float32Array | Uint16Array;
  const target = new Constructor(indices.length * rowLength);
  indices.forEach((index, row) => {
    target.set(source.subarray(index * rowLength, (index + 1) * rowLength), row * rowLength);
  });
  return new Tensor(tensor.type, target, [indices.length, ...tensor.dims.slice(1)]);
}
