import type { Float32Tensor } from '../checkpoint/gpt2-weights.js';

/** `[rows, columns]` of a matrix. */
export function matrixSize(tensor: Float32Tensor): [number, number] {
  return [tensor.shape[0]!, tensor.shape[1]!];
}

/** Transposes a row-major `[rows, columns]` matrix (Conv1D `[in, out]` → Linear `[out, in]`). */
export function transposeMatrix(values: Float32Array, rows: number, columns: number): Float32Array {
  const result = new Float32Array(values.length);
  const tile = 32;
  for (let rowStart = 0; rowStart < rows; rowStart += tile) {
    const rowEnd = Math.min(rowStart + tile, rows);
    for (let columnStart = 0; columnStart < columns; columnStart += tile) {
      const columnEnd = Math.min(columnStart + tile, columns);
      for (let row = rowStart; row < rowEnd; row++) {
        for (let column = columnStart; column < columnEnd; column++) {
          result[column * rows + row] = values[row * columns + column]!;
        }
      }
    }
  }
  return result;
}
