/** The element types this binding moves in and out of ONNX Runtime, as onnxruntime-common names them. */
export type WasmTensorType =
  | 'float32'
  | 'float16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

/** The typed array of each element type (float16 as its bits, like onnxruntime-web without Float16Array). */
export type WasmTensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type TypedArrayClass = new (length: number) => WasmTensorData;

/** ONNX's TensorProto.DataType number and the typed array of each type. */
const elementTypes: Record<WasmTensorType, [onnxType: number, array: TypedArrayClass]> = {
  float32: [1, Float32Array],
  uint8: [2, Uint8Array],
  int8: [3, Int8Array],
  uint16: [4, Uint16Array],
  int16: [5, Int16Array],
  int32: [6, Int32Array],
  int64: [7, BigInt64Array as unknown as TypedArrayClass],
  bool: [9, Uint8Array],
  float16: [10, Uint16Array],
  float64: [11, Float64Array],
  uint32: [12, Uint32Array],
  uint64: [13, BigUint64Array as unknown as TypedArrayClass],
};

function knownType(type: string): [number, TypedArrayClass] {
  const entry = (elementTypes as Record<string, [number, TypedArrayClass] | undefined>)[type];
  if (entry === undefined) {
    throw new TypeError(
      `Tensor type ${type} is not supported by this build (numbers and booleans only).`,
    );
  }
  return entry;
}

/** ONNX's number for `type`. */
export function onnxTypeOf(type: string): number {
  return knownType(type)[0];
}

/** The element type of ONNX's number `onnxType`. */
export function tensorTypeOf(onnxType: number): WasmTensorType {
  for (const [type, [number]] of Object.entries(elementTypes)) {
    if (number === onnxType) return type as WasmTensorType;
  }
  throw new TypeError(`ONNX element type ${onnxType} is not supported by this build.`);
}

/** A new zeroed array for `length` elements of `type`. */
export function typedArrayFor(type: WasmTensorType, length: number): WasmTensorData {
  return new (knownType(type)[1])(length);
}

/**
 * A tensor in JavaScript memory, with the members of onnxruntime-common's `Tensor` that CPU
 * inference uses (`type`, `data`, `dims`, `size`, `location`, `getData`, `dispose`, `reshape`).
 */
export class Tensor {
  readonly type: WasmTensorType;
  readonly data: WasmTensorData;
  readonly dims: readonly number[];
  readonly size: number;
  readonly location = 'cpu' as const;

  /**
   * @param type the element type (`'float32'`, `'int64'`, …).
   * @param data its typed array (`BigInt64Array` for int64, `Uint16Array` bits for float16, …).
   * @param dims the shape; default one dimension of `data.length`.
   */
  constructor(type: WasmTensorType, data: WasmTensorData, dims?: readonly number[]) {
    if (!(data instanceof knownType(type)[1])) {
      throw new TypeError(`A ${type} tensor needs a ${knownType(type)[1].name}.`);
    }
    const values = data;
    const shape = dims ?? [values.length];
    let size = 1;
    for (const dimension of shape) {
      if (!Number.isSafeInteger(dimension) || dimension < 0) {
        throw new TypeError(`Tensor dimensions must be whole numbers ≥ 0; got [${shape}].`);
      }
      size *= dimension;
    }
    if (size !== values.length) {
      throw new RangeError(
        `Tensor's size (${size}) does not match data length (${values.length}).`,
      );
    }
    this.type = type;
    this.data = values;
    this.dims = shape;
    this.size = size;
  }

  /** The data (already in JavaScript memory). */
  getData(): Promise<WasmTensorData> {
    return Promise.resolve(this.data);
  }

  /** Nothing to release: the data is a plain typed array, freed with the tensor. */
  dispose(): void {}

  /** The same data seen with another shape of the same size. */
  reshape(dims: readonly number[]): Tensor {
    return new Tensor(this.type, this.data, dims);
  }
}
