import { ConvertError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import {
  type StorageDataType,
  storageElementSize,
  type TensorReference,
} from './pickle/torch-references.js';
import { copyBytes } from './plain-bytes.js';

function invalid(name: string, what: string): ConvertError {
  return new ConvertError(
    'CHECKPOINT_INVALID',
    `The tensor ${name} cannot be read: ${what}. The checkpoint is corrupt; download or save it again.`,
  );
}

/** The number of elements of `shape`, or an error when it exceeds 2^53. */
function checkedElementCount(name: string, shape: readonly number[]): number {
  let count = 1;
  for (const size of shape) {
    count *= size;
    if (!Number.isSafeInteger(count))
      throw invalid(name, `its shape [${shape}] is impossibly large`);
  }
  return count;
}

/**
 * Materializes a strided tensor view of a storage as a contiguous {@link Tensor}. Contiguous
 * views become a `subarray` of `storage` (no copy); other views are copied with typed-array
 * moves. Throws `CHECKPOINT_INVALID` when the view reaches past the storage.
 *
 * @param name the tensor's key, for messages.
 * @param storage exactly the storage's bytes (a whole number of elements).
 * @param maximumCopyBytes the most bytes a copied view may take (the file's size): only views
 *   that repeat elements (stride 0) can exceed it, and a file could use them to ask for
 *   terabytes.
 */
export function tensorFromStorage(
  name: string,
  storage: Uint8Array,
  dataType: StorageDataType,
  reference: TensorReference,
  maximumCopyBytes = Number.POSITIVE_INFINITY,
): Tensor {
  if (dataType === 'int16') {
    throw new ConvertError(
      'CHECKPOINT_INVALID',
      `The tensor ${name} is int16 (torch.ShortStorage), which @bg-gpt2/convert does not read; a GPT-2 checkpoint never needs it. Remove the tensor or convert it with torch first.`,
    );
  }
  const elementSize = storageElementSize[dataType];
  const storageElements = Math.floor(storage.length / elementSize);
  const { shape, stride, storageOffset } = reference;
  const count = checkedElementCount(name, shape);
  if (count === 0) return { dtype: dataType, shape: [...shape], data: new Uint8Array(0) };

  let last = storageOffset;
  for (let dimension = 0; dimension < shape.length; dimension++) {
    last += (shape[dimension]! - 1) * stride[dimension]!;
  }
  if (!Number.isSafeInteger(last) || last >= storageElements) {
    throw invalid(
      name,
      `its view (offset ${storageOffset}, shape [${shape}], stride [${stride}]) reaches element ${last} of a storage of ${storageElements} elements`,
    );
  }

  if (isContiguous(shape, stride)) {
    const start = storageOffset * elementSize;
    return {
      dtype: dataType,
      shape: [...shape],
      data: storage.subarray(start, start + count * elementSize),
    };
  }
  if (count * elementSize > maximumCopyBytes) {
    throw invalid(
      name,
      `its view (shape [${shape}], stride [${stride}]) repeats elements into ${count * elementSize} bytes, more than the ${maximumCopyBytes}-byte file`,
    );
  }
  return {
    dtype: dataType,
    shape: [...shape],
    // Only the window the view reaches is read (and copied first when unaligned).
    data: copyStrided(
      storage.subarray(storageOffset * elementSize, (last + 1) * elementSize),
      elementSize,
      shape,
      stride,
      count,
    ),
  };
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let dimension = shape.length - 1; dimension >= 0; dimension--) {
    const size = shape[dimension]!;
    if (size !== 1 && stride[dimension] !== expected) return false;
    expected *= size;
  }
  return true;
}

type UnitArray = Uint8Array | Uint16Array | Uint32Array;

function unitView(bytes: Uint8Array, unitSize: number): UnitArray {
  let source = bytes;
  if (source.byteOffset % unitSize !== 0) source = copyBytes(source);
  const length = source.length / unitSize;
  if (unitSize === 1) return source;
  if (unitSize === 2) return new Uint16Array(source.buffer, source.byteOffset, length);
  return new Uint32Array(source.buffer, source.byteOffset, length);
}

/** Copies the view `shape`/`stride` starting at element 0 of `window` into a new buffer. */
function copyStrided(
  window: Uint8Array,
  elementSize: number,
  shape: readonly number[],
  stride: readonly number[],
  count: number,
): Uint8Array {
  const unitSize = Math.min(elementSize, 4);
  const unitsPerElement = elementSize / unitSize;
  const source = unitView(window, unitSize);
  const output = new Uint8Array(count * elementSize);
  const target = unitView(output, unitSize);

  const rank = shape.length;
  // Inner blocks: rows (innermost stride 1: one typed-array move per row), or, for other
  // strides (e.g. a transpose), the last two dimensions copied in cache-friendly tiles.
  const tiled = stride[rank - 1] !== 1 && rank >= 2;
  const outerRank = tiled ? rank - 2 : rank - 1;
  const rows = tiled ? shape[rank - 2]! : 1;
  const columns = shape[rank - 1]!;
  const rowStride = tiled ? stride[rank - 2]! : 0;
  const columnStride = stride[rank - 1]!;
  const index = new Array<number>(outerRank).fill(0);
  let base = 0;
  let written = 0;
  for (;;) {
    if (columnStride === 1) {
      const from = base * unitsPerElement;
      target.set(source.subarray(from, from + columns * unitsPerElement), written);
    } else {
      copyTiles(
        source,
        target,
        unitsPerElement,
        base,
        written,
        rows,
        columns,
        rowStride,
        columnStride,
      );
    }
    written += rows * columns * unitsPerElement;
    // Advance the odometer over the outer dimensions.
    let dimension = outerRank - 1;
    while (dimension >= 0) {
      index[dimension]!++;
      base += stride[dimension]!;
      if (index[dimension]! < shape[dimension]!) break;
      base -= stride[dimension]! * shape[dimension]!;
      index[dimension] = 0;
      dimension--;
    }
    if (dimension < 0) break;
  }
  return output;
}

const tileSize = 64;

/** Copies a `rows × columns` strided block to `target` at `written`, in tiles. */
function copyTiles(
  source: UnitArray,
  target: UnitArray,
  unitsPerElement: number,
  base: number,
  written: number,
  rows: number,
  columns: number,
  rowStride: number,
  columnStride: number,
): void {
  for (let rowStart = 0; rowStart < rows; rowStart += tileSize) {
    const rowEnd = Math.min(rowStart + tileSize, rows);
    for (let columnStart = 0; columnStart < columns; columnStart += tileSize) {
      const columnEnd = Math.min(columnStart + tileSize, columns);
      for (let row = rowStart; row < rowEnd; row++) {
        let element = base + row * rowStride + columnStart * columnStride;
        let to = (written / unitsPerElement + row * columns + columnStart) * unitsPerElement;
        if (unitsPerElement === 1) {
          for (let column = columnStart; column < columnEnd; column++) {
            target[to++] = source[element]!;
            element += columnStride;
          }
        } else {
          for (let column = columnStart; column < columnEnd; column++) {
            const from = element * unitsPerElement;
            for (let unit = 0; unit < unitsPerElement; unit++) target[to++] = source[from + unit]!;
            element += columnStride;
          }
        }
      }
    }
  }
}
