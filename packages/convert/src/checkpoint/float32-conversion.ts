import { ConvertError } from '../errors.js';
import { bytesPerElement, elementCount, type Tensor } from '../tensor.js';
import { copyBytes } from './plain-bytes.js';

const hostIsLittleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

let halfTable: Float32Array | undefined;

/** All 65,536 float16 values as float32 (256 KB, built on first use). */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  const bits = new Uint32Array(halfTable.buffer);
  for (let half = 0; half < 65536; half++) {
    const sign = (half & 0x8000) << 16;
    const exponent = (half >> 10) & 0x1f;
    const mantissa = half & 0x3ff;
    if (exponent === 0) {
      // Zero or subnormal: mantissa × 2^-24, exact in float32.
      halfTable[half] = (sign ? -1 : 1) * mantissa * 2 ** -24;
    } else if (exponent === 0x1f) {
      bits[half] = sign | 0x7f800000 | (mantissa << 13);
    } else {
      bits[half] = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
  }
  return halfTable;
}

/** The tensor's bytes as `Uint16Array`/`Float32Array`/… units, copying only when unaligned. */
function aligned(data: Uint8Array, unit: number): Uint8Array {
  return data.byteOffset % unit === 0 ? data : copyBytes(data);
}

/**
 * A floating-point tensor's values as a `Float32Array`. Float32 data that is aligned is a view
 * of the tensor's bytes (no copy); float16, bfloat16 and float64 are converted (bfloat16 and
 * float16 exactly, float64 rounded to nearest).
 *
 * @param name the tensor's key, for messages.
 * @throws ConvertError `WEIGHTS_MISMATCH` for an integer or bool tensor.
 */
export function tensorToFloat32(name: string, tensor: Tensor): Float32Array {
  const count = elementCount(tensor.shape);
  const { data } = tensor;
  if (data.length !== count * bytesPerElement[tensor.dtype]) {
    throw new ConvertError(
      'CHECKPOINT_INVALID',
      `The tensor ${name} has ${data.length} bytes, not the ${count * bytesPerElement[tensor.dtype]} its ${tensor.dtype} shape [${tensor.shape}] needs; the checkpoint reader is at fault or the tensor was built by hand.`,
    );
  }
  switch (tensor.dtype) {
    case 'float32': {
      if (!hostIsLittleEndian) return readWithDataView(data, count, 4);
      const source = aligned(data, 4);
      return new Float32Array(source.buffer, source.byteOffset, count);
    }
    case 'float16': {
      const table = float16Table();
      const output = new Float32Array(count);
      if (!hostIsLittleEndian) {
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        for (let index = 0; index < count; index++)
          output[index] = table[view.getUint16(index * 2, true)]!;
        return output;
      }
      const source = aligned(data, 2);
      const halves = new Uint16Array(source.buffer, source.byteOffset, count);
      for (let index = 0; index < count; index++) output[index] = table[halves[index]!]!;
      return output;
    }
    case 'bfloat16': {
      const output = new Float32Array(count);
      const bits = new Uint32Array(output.buffer);
      if (!hostIsLittleEndian) {
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        for (let index = 0; index < count; index++)
          bits[index] = view.getUint16(index * 2, true) << 16;
        return output;
      }
      const source = aligned(data, 2);
      const halves = new Uint16Array(source.buffer, source.byteOffset, count);
      for (let index = 0; index < count; index++) bits[index] = halves[index]! << 16;
      return output;
    }
    case 'float64': {
      if (!hostIsLittleEndian) return readWithDataView(data, count, 8);
      const source = aligned(data, 8);
      return Float32Array.from(new Float64Array(source.buffer, source.byteOffset, count));
    }
    default:
      throw new ConvertError(
        'WEIGHTS_MISMATCH',
        `The weight ${name} is ${tensor.dtype}, not a floating-point tensor; the checkpoint does not match a GPT-2 model.`,
      );
  }
}

function readWithDataView(data: Uint8Array, count: number, size: 4 | 8): Float32Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const output = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    output[index] =
      size === 4 ? view.getFloat32(index * 4, true) : view.getFloat64(index * 8, true);
  }
  return output;
}
