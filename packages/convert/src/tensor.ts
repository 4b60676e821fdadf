/** Element types a checkpoint may hold (torch storages / safetensors dtypes). */
export type DataType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'uint8'
  | 'int8'
  | 'bool';

/** Bytes per element of each data type. */
export const bytesPerElement: Record<DataType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  uint8: 1,
  int8: 1,
  bool: 1,
};

/**
 * A tensor read from a checkpoint: contiguous, row-major, little-endian bytes. Readers copy
 * strided views into this form, so every consumer can index `data` directly.
 */
export interface Tensor {
  dtype: DataType;
  shape: number[];
  /** `product(shape) * bytesPerElement[dtype]` bytes. */
  data: Uint8Array;
}

/** Parameter name (HF key, e.g. `transformer.h.0.attn.c_attn.weight`) → tensor. */
export type StateDict = Map<string, Tensor>;

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
