/** ONNX `TensorProto.DataType` values of the element types this package writes. */
export const OnnxDataType = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
} as const;

/** One of the element types in {@link OnnxDataType}. */
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** Bytes per element of each ONNX element type. */
export function onnxBytesPerElement(dataType: OnnxDataType): number {
  switch (dataType) {
    case OnnxDataType.float:
    case OnnxDataType.int32:
      return 4;
    case OnnxDataType.int64:
      return 8;
    case OnnxDataType.float16:
      return 2;
    default:
      return 1;
  }
}
