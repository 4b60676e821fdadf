import { RuntimeError } from './errors.js';

/**
 * Precision variants of an ONNX model, named as transformers.js names them; each is a file
 * `model${suffix}.onnx` (`fp32` → `model.onnx`, `q4` → `model_q4.onnx`, `q8` →
 * `model_quantized.onnx`, …).
 */
export type ModelDataType = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

const suffixes: Record<ModelDataType, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** Every {@link ModelDataType}. */
export const modelDataTypes = Object.keys(suffixes) as ModelDataType[];

/** `INVALID_ARGUMENT` unless `value` is a {@link ModelDataType}; `fp32` when undefined. */
export function checkModelDataType(value: unknown): ModelDataType {
  if (value === undefined) return 'fp32';
  if (typeof value === 'string' && value in suffixes) return value as ModelDataType;
  throw new RuntimeError(
    'INVALID_ARGUMENT',
    `dtype ${JSON.stringify(value)} is not one of ${modelDataTypes.join(', ')}.`,
  );
}

/** The ONNX file name of a precision variant: `model.onnx`, `model_q4.onnx`, … */
export function onnxFileName(dataType: ModelDataType): string {
  return `model${suffixes[dataType]}.onnx`;
}
