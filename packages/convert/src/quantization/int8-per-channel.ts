/** A weight matrix quantized to int8 with one scale per output channel (column). */
export interface Int8PerChannelWeight {
  /** `[inputSize, outputSize]`, row-major, symmetric (zero point 0). */
  data: Int8Array;
  /** `[outputSize]`: `weight[k][n] ≈ data[k][n] * scales[n]`. */
  scales: Float32Array;
}

/**
 * Symmetric int8 quantization of a `[inputSize, outputSize]` matrix, one scale per column
 * (per output channel): `scale = max |column| / 127`, values rounded to nearest.
 */
export function quantizeInt8PerChannel(
  weight: Float32Array,
  inputSize: number,
  outputSize: number,
): Int8PerChannelWeight {
  const maxima = new Float32Array(outputSize);
  for (let row = 0; row < inputSize; row++) {
    const offset = row * outputSize;
    for (let column = 0; column < outputSize; column++) {
      const magnitude = Math.abs(weight[offset + column]!);
      if (magnitude > maxima[column]!) maxima[column] = magnitude;
    }
  }
  const scales = new Float32Array(outputSize);
  const inverse = new Float32Array(outputSize);
  for (let column = 0; column < outputSize; column++) {
    const scale = maxima[column]! / 127;
    scales[column] = scale > 0 ? scale : 1;
    inverse[column] = 1 / scales[column]!;
  }
  const data = new Int8Array(inputSize * outputSize);
  for (let row = 0; row < inputSize; row++) {
    const offset = row * outputSize;
    for (let column = 0; column < outputSize; column++) {
      const value = Math.round(weight[offset + column]! * inverse[column]!);
      data[offset + column] = value > 127 ? 127 : Math.max(value, -127);
    }
  }
  return { data, scales };
}
