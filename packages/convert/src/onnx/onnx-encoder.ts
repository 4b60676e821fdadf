import { ConvertError } from '../errors.js';
import type {
  OnnxAttributeValue,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-model.js';
import { ProtobufWriter } from './protobuf-writer.js';

// Field numbers from onnx.proto3 (ONNX IR version 8).
const ModelField = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
} as const;
const OperatorSetField = { domain: 1, version: 2 } as const;
const StringEntryField = { key: 1, value: 2 } as const;
const GraphField = {
  node: 1,
  name: 2,
  initializer: 5,
  docString: 10,
  input: 11,
  output: 12,
} as const;
const NodeField = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const AttributeField = {
  name: 1,
  f: 2,
  i: 3,
  s: 4,
  t: 5,
  floats: 7,
  ints: 8,
  type: 20,
} as const;
/** `AttributeProto.AttributeType`. */
const AttributeType = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;
const TensorField = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const ValueInfoField = { name: 1, type: 2 } as const;
const TypeField = { tensorType: 1 } as const;
const TensorTypeField = { elementType: 1, shape: 2 } as const;
const ShapeField = { dim: 1 } as const;
const DimensionField = { dimValue: 1, dimParam: 2 } as const;

/** Encodes a `TensorProto` with `raw_data` (the bytes are referenced, not copied). */
export function encodeTensor(tensor: OnnxTensor): ProtobufWriter {
  const writer = new ProtobufWriter();
  if (tensor.dims.length > 0) writer.packedVarints(TensorField.dims, tensor.dims);
  writer.varint(TensorField.dataType, tensor.dataType);
  writer.string(TensorField.name, tensor.name);
  writer.bytes(TensorField.rawData, tensor.rawData);
  return writer;
}

function encodeAttribute(name: string, value: OnnxAttributeValue): ProtobufWriter {
  const writer = new ProtobufWriter().string(AttributeField.name, name);
  if (typeof value === 'number') {
    return writer.varint(AttributeField.i, value).varint(AttributeField.type, AttributeType.int);
  }
  if (typeof value === 'string') {
    return writer.string(AttributeField.s, value).varint(AttributeField.type, AttributeType.string);
  }
  if (Array.isArray(value)) {
    // Repeated int64: packed encoding is accepted by every proto2/proto3 parser.
    if (value.length > 0) writer.packedVarints(AttributeField.ints, value);
    return writer.varint(AttributeField.type, AttributeType.ints);
  }
  if ('float' in value) {
    return writer
      .float(AttributeField.f, value.float)
      .varint(AttributeField.type, AttributeType.float);
  }
  if ('floats' in value) {
    if (value.floats.length > 0) writer.packedFloats(AttributeField.floats, value.floats);
    return writer.varint(AttributeField.type, AttributeType.floats);
  }
  if ('tensor' in value) {
    return writer
      .message(AttributeField.t, encodeTensor(value.tensor))
      .varint(AttributeField.type, AttributeType.tensor);
  }
  throw new TypeError(`Unsupported ONNX attribute value for ${name}`);
}

function encodeNode(node: OnnxNode): ProtobufWriter {
  const writer = new ProtobufWriter();
  for (const input of node.inputs) writer.string(NodeField.input, input);
  for (const output of node.outputs) writer.string(NodeField.output, output);
  writer.string(NodeField.name, node.name);
  writer.string(NodeField.opType, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    writer.message(NodeField.attribute, encodeAttribute(name, value));
  }
  if (node.domain) writer.string(NodeField.domain, node.domain);
  return writer;
}

function encodeValueInfo(info: OnnxValueInfo): ProtobufWriter {
  const shape = new ProtobufWriter();
  for (const dimension of info.shape) {
    const dim = new ProtobufWriter();
    if (typeof dimension === 'number') dim.varint(DimensionField.dimValue, dimension);
    else dim.string(DimensionField.dimParam, dimension);
    shape.message(ShapeField.dim, dim);
  }
  const tensorType = new ProtobufWriter()
    .varint(TensorTypeField.elementType, info.elementType)
    .message(TensorTypeField.shape, shape);
  const type = new ProtobufWriter().message(TypeField.tensorType, tensorType);
  return new ProtobufWriter()
    .string(ValueInfoField.name, info.name)
    .message(ValueInfoField.type, type);
}

/** Encodes a `GraphProto`. */
export function encodeGraph(graph: OnnxGraph): ProtobufWriter {
  const writer = new ProtobufWriter();
  for (const node of graph.nodes) writer.message(GraphField.node, encodeNode(node));
  writer.string(GraphField.name, graph.name);
  for (const tensor of graph.initializers) {
    writer.message(GraphField.initializer, encodeTensor(tensor));
  }
  if (graph.docString) writer.string(GraphField.docString, graph.docString);
  for (const input of graph.inputs) writer.message(GraphField.input, encodeValueInfo(input));
  for (const output of graph.outputs) writer.message(GraphField.output, encodeValueInfo(output));
  return writer;
}

/** Typed arrays are written as their bytes: ONNX wants little-endian, as every JS host today is. */
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes a whole `ModelProto` as a list of chunks, in file order. The tensor bytes are the
 * caller's arrays, referenced rather than copied: write the chunks out one after the other, or
 * concatenate them once with `concatenateChunks`.
 */
export function encodeModel(model: OnnxModel): Uint8Array[] {
  if (!littleEndian) {
    throw new ConvertError(
      'CONFIG_UNSUPPORTED',
      'This JavaScript engine is big-endian; ONNX tensors are little-endian. Convert on another machine.',
    );
  }
  const writer = new ProtobufWriter();
  writer.varint(ModelField.irVersion, model.irVersion);
  for (const opset of model.opsetImports) {
    const entry = new ProtobufWriter();
    if (opset.domain) entry.string(OperatorSetField.domain, opset.domain);
    entry.varint(OperatorSetField.version, opset.version);
    writer.message(ModelField.opsetImport, entry);
  }
  writer.string(ModelField.producerName, model.producerName);
  if (model.producerVersion) writer.string(ModelField.producerVersion, model.producerVersion);
  if (model.docString) writer.string(ModelField.docString, model.docString);
  writer.message(ModelField.graph, encodeGraph(model.graph));
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    const entry = new ProtobufWriter()
      .string(StringEntryField.key, key)
      .string(StringEntryField.value, value);
    writer.message(ModelField.metadataProps, entry);
  }
  return writer.finish();
}
