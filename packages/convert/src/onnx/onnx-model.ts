import type { OnnxDataType } from './onnx-data-type.js';

/**
 * A tensor stored in the model (`TensorProto` with `raw_data`): little-endian, row-major bytes.
 * The bytes are written by reference, so the model file holds them exactly once.
 */
export interface OnnxTensor {
  name: string;
  dataType: OnnxDataType;
  dims: readonly number[];
  rawData: Uint8Array;
}

/**
 * A node attribute value. Plain numbers are `int`, number arrays `ints`, strings `string`;
 * floats must be marked (`{ float: 1 }`), since `1` and `1.0` are the same JavaScript number.
 */
export type OnnxAttributeValue =
  | number
  | readonly number[]
  | string
  | { float: number }
  | { floats: readonly number[] }
  | { tensor: OnnxTensor };

/** A computation step (`NodeProto`). */
export interface OnnxNode {
  opType: string;
  /** `''` (or absent) for the default ONNX domain, `'com.microsoft'` for ONNX Runtime's. */
  domain?: string;
  name: string;
  /** Input value names; `''` is an omitted optional input. */
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttributeValue>>;
}

/** A graph input or output (`ValueInfoProto`) with a tensor type; strings are symbolic dims. */
export interface OnnxValueInfo {
  name: string;
  elementType: OnnxDataType;
  shape: readonly (number | string)[];
}

/** A computation graph (`GraphProto`). Nodes must be in topological order. */
export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  docString?: string;
}

/** An operator set the model imports (`OperatorSetIdProto`). */
export interface OnnxOperatorSet {
  /** `''` for the default ONNX domain. */
  domain: string;
  version: number;
}

/** A whole model file (`ModelProto`). */
export interface OnnxModel {
  irVersion: number;
  opsetImports: readonly OnnxOperatorSet[];
  producerName: string;
  producerVersion?: string;
  docString?: string;
  graph: OnnxGraph;
  /** `metadata_props`: free-form key/value pairs that ONNX Runtime exposes to callers. */
  metadata?: Readonly<Record<string, string>>;
}
