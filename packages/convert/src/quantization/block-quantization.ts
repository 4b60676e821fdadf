/**
 * A weight matrix in the layout of ONNX Runtime's `com.microsoft.MatMulNBits`: quantized in
 * blocks of `blockSize` consecutive inputs (the K dimension) of each output (the N dimension).
 */
export interface BlockQuantizedWeight {
  bits: 4 | 8;
  blockSize: number;
  /** K. */
  inputSize: number;
  /** N. */
  outputSize: number;
  /** `[N, blockCount, blockSize * bits / 8]` uint8; for 4 bits the first value of each pair is in the low nibble. */
  packed: Uint8Array;
  /** `[N, blockCount]`: `weight[n][k] ≈ (q - zeroPoint) * scale` for the block holding k. */
  scales: Float32Array;
  /**
   * Packed zero points `[N, ceil(blockCount * bits / 8)]` (same nibble order as `packed`), or
   * absent for symmetric quantization (zero point `2^(bits-1)`: 8 for 4 bits, 128 for 8 bits).
   */
  zeroPoints?: Uint8Array;
  /** `ceil(K / blockSize)`. */
  blockCount: number;
}

/** Options of {@link quantizeBlockwise}. */
export interface BlockQuantizationOptions {
  bits: 4 | 8;
  /** A power of two ≥ 16 (32 is the usual choice for 4 bits). */
  blockSize: number;
  /** Per-block zero points (asymmetric, uses the full range) instead of the fixed midpoint. */
  asymmetric?: boolean;
}

/**
 * Quantizes a weight given in output-major order (`rows[n]` is the K inputs of output n, i.e. a
 * torch `nn.Linear` weight `[N, K]` or the tied embedding table `[V, E]`) into the
 * `MatMulNBits` layout. Symmetric: the value of largest magnitude maps to the lowest code
 * (-2^(bits-1)), as ONNX Runtime's own quantizer does. Asymmetric: min/max of each block
 * (always including 0) span the codes 0 … 2^bits - 1.
 */
export function quantizeBlockwise(
  outputMajor: Float32Array,
  outputSize: number,
  inputSize: number,
  options: BlockQuantizationOptions,
): BlockQuantizedWeight {
  const { bits, blockSize } = options;
  const asymmetric = options.asymmetric ?? false;
  const blockCount = Math.ceil(inputSize / blockSize);
  const blobSize = (blockSize * bits) / 8;
  const maximumCode = (1 << bits) - 1;
  const midpoint = 1 << (bits - 1);
  const packed = new Uint8Array(outputSize * blockCount * blobSize);
  const scales = new Float32Array(outputSize * blockCount);
  const zeroPointBytesPerRow = Math.ceil((blockCount * bits) / 8);
  const zeroPoints = asymmetric ? new Uint8Array(outputSize * zeroPointBytesPerRow) : undefined;
  const codes = new Uint8Array(blockSize);

  for (let output = 0; output < outputSize; output++) {
    const rowOffset = output * inputSize;
    for (let block = 0; block < blockCount; block++) {
      const start = block * blockSize;
      const end = Math.min(start + blockSize, inputSize);
      let scale: number;
      let zeroPoint: number;
      if (asymmetric) {
        let minimum = 0;
        let maximum = 0;
        for (let k = start; k < end; k++) {
          const value = outputMajor[rowOffset + k]!;
          if (value < minimum) minimum = value;
          if (value > maximum) maximum = value;
        }
        scale = (maximum - minimum) / maximumCode;
        zeroPoint = scale > 0 ? Math.round(-minimum / scale) : midpoint;
        zeroPoint = Math.min(maximumCode, Math.max(0, zeroPoint));
      } else {
        let extreme = 0;
        for (let k = start; k < end; k++) {
          const value = outputMajor[rowOffset + k]!;
          if (Math.abs(value) > Math.abs(extreme)) extreme = value;
        }
        scale = extreme / -midpoint;
        zeroPoint = midpoint;
      }
      // Math.fround: the runtime dequantizes with the float32 scale that is stored.
      const storedScale = Math.fround(scale === 0 ? 1 : scale);
      const inverse = 1 / storedScale;
      codes.fill(zeroPoint);
      for (let k = start; k < end; k++) {
        const code = Math.round(outputMajor[rowOffset + k]! * inverse) + zeroPoint;
        codes[k - start] = code < 0 ? 0 : Math.min(code, maximumCode);
      }
      scales[output * blockCount + block] = storedScale;
      const blobOffset = (output * blockCount + block) * blobSize;
      if (bits === 8) {
        packed.set(codes, blobOffset);
      } else {
        for (let index = 0; index < blobSize; index++) {
          packed[blobOffset + index] = codes[2 * index]! | (codes[2 * index + 1]! << 4);
        }
      }
      if (zeroPoints) {
        const zeroPointOffset = output * zeroPointBytesPerRow;
        if (bits === 8) {
          zeroPoints[zeroPointOffset + block] = zeroPoint;
        } else {
          const byte = zeroPointOffset + (block >> 1);
          zeroPoints[byte] = zeroPoints[byte]! | (block & 1 ? zeroPoint << 4 : zeroPoint);
        }
      }
    }
  }
  const result: BlockQuantizedWeight = {
    bits,
    blockSize,
    inputSize,
    outputSize,
    packed,
    scales,
    blockCount,
  };
  if (zeroPoints) result.zeroPoints = zeroPoints;
  return result;
}
