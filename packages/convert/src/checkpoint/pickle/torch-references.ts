import type { DataType } from '../../tensor.js';

/**
 * Element types a torch storage may have. `int16` (`torch.ShortStorage`) is recognised so the
 * pickle can be read, but a tensor of it cannot become a {@link DataType} tensor.
 */
export type StorageDataType = DataType | 'int16';

/** Bytes per element of each storage type. */
export const storageElementSize: Record<StorageDataType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  uint8: 1,
  int8: 1,
  bool: 1,
};

/**
 * A torch storage named by a pickle's persistent id: the unpickler only records what the id
 * says; the checkpoint reader finds the bytes (`data/<key>` in a zip, or the legacy records).
 */
export class StorageReference {
  constructor(
    /** The storage's key (`data/<key>` in a zip checkpoint, the root key in a legacy one). */
    readonly key: string,
    readonly dataType: StorageDataType,
    /** Where it lived when saved (`cpu`, `cuda:0`, …); informational. */
    readonly location: string,
    /** Elements the pickle claims the storage has; checked against the bytes present. */
    readonly elementCount: number,
    /** A legacy storage view: `elementCount` elements from element `offset` of this storage. */
    readonly view?: { key: string; offset: number; elementCount: number },
  ) {}
}

/**
 * What `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, …)` describes:
 * a strided view of a storage. Nothing is read until the checkpoint reader materializes it.
 */
export class TensorReference {
  constructor(
    readonly storage: StorageReference,
    /** In elements. */
    readonly storageOffset: number,
    readonly shape: readonly number[],
    /** In elements, one per dimension. */
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
  ) {}
}
