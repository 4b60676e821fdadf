export { tensorToFloat32 } from './checkpoint/float32-conversion.js';
export {
  type Gpt2Activation,
  type Gpt2Config,
  readGpt2Config,
  tanhApproximationActivations,
} from './checkpoint/gpt2-config.js';
export {
  type Float32Tensor,
  type Gpt2Weights,
  normalizeGpt2StateDict,
} from './checkpoint/gpt2-weights.js';
export { maximumSafetensorsHeaderLength, readSafetensors } from './checkpoint/safetensors.js';
export {
  type ReadTorchCheckpointOptions,
  readTorchCheckpoint,
} from './checkpoint/torch-checkpoint.js';
export {
  type ConvertedGpt2Metadata,
  type ConvertedGpt2Model,
  type ConvertGpt2Options,
  convertGpt2ToOnnx,
} from './convert-checkpoint.js';
export { converterRevision } from './converter-revision.js';
export { ConvertError, type ConvertErrorCode } from './errors.js';
export { checkGpt2Weights } from './gpt2/check-gpt2-weights.js';
export {
  buildGpt2Graph,
  type Gpt2GraphOptions,
  type Gpt2GraphTuning,
  type Gpt2GraphVariant,
  type Gpt2KeyValueOutputs,
} from './gpt2/gpt2-graph.js';
export { gpt2DimensionNames, gpt2InputNames, gpt2OutputNames } from './gpt2/gpt2-io-names.js';
export { type NodeOptions, OnnxGraphBuilder } from './onnx/graph-builder.js';
export { OnnxDataType } from './onnx/onnx-data-type.js';
export { encodeModel } from './onnx/onnx-encoder.js';
export type {
  OnnxAttributeValue,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxOperatorSet,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx/onnx-model.js';
export { concatenateChunks, ProtobufWriter } from './onnx/protobuf-writer.js';
export {
  type BlockQuantizationOptions,
  type BlockQuantizedWeight,
  quantizeBlockwise,
} from './quantization/block-quantization.js';
export { float16Bits, float16Value, toFloat16 } from './quantization/float16.js';
export {
  type Int8PerChannelWeight,
  quantizeInt8PerChannel,
} from './quantization/int8-per-channel.js';
export { transposeMatrix } from './quantization/matrix.js';
export type {
  EmbeddingTable,
  Int8MatMulKernel,
  WeightDataType,
  WeightStorage,
  WeightStorageTuning,
} from './quantization/weight-storage.js';
export { createWeightStorage } from './quantization/weight-storage.js';
export {
  bytesPerElement,
  type DataType,
  elementCount,
  type StateDict,
  type Tensor,
} from './tensor.js';
