import { OnnxDataType } from './onnx-data-type.js';
import type {
  OnnxAttributeValue,
  OnnxGraph,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-model.js';

/** Options of one node added with {@link OnnxGraphBuilder.node}. */
export interface NodeOptions {
  /** Operator domain: `'com.microsoft'` for ONNX Runtime contrib operators. */
  domain?: string;
  /** Readable node name; made unique. Defaults to the operator type. */
  name?: string;
  /** Output names (made unique unless `exactOutputs`), or how many outputs to create. */
  outputs?: number | readonly string[];
  /** Use the `outputs` names exactly (graph outputs such as `present.0.key`). */
  exactOutputs?: boolean;
  attributes?: Readonly<Record<string, OnnxAttributeValue>>;
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Builds an ONNX graph one node at a time, so a model reads like a forward pass:
 * `const h = graph.node('LayerNormalization', [x, weight, bias])`. Value names are made unique
 * from readable prefixes (`h.0.attn.qkv`, `h.0.attn.qkv_1`, …).
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly usedNames = new Set<string>();
  private readonly constants = new Map<string, string>();
  /** Scope prefix of the names made by `node` (e.g. `h.3.attn`). */
  scope = '';

  constructor(readonly name: string) {}

  /** A name not used before, derived from `base`. */
  uniqueName(base: string): string {
    let name = base;
    for (let index = 1; this.usedNames.has(name); index++) name = `${base}_${index}`;
    this.usedNames.add(name);
    return name;
  }

  private scoped(name: string): string {
    return this.scope ? `${this.scope}/${name}` : name;
  }

  /** Adds a node with one output and returns the output's name. */
  node(opType: string, inputs: readonly string[], options: NodeOptions = {}): string {
    return this.nodeWithOutputs(opType, inputs, { ...options, outputs: options.outputs ?? 1 })[0]!;
  }

  /** Adds a node and returns the names of all its outputs. */
  nodeWithOutputs(opType: string, inputs: readonly string[], options: NodeOptions = {}): string[] {
    const name = this.uniqueName(this.scoped(options.name ?? opType));
    const requested = options.outputs ?? 1;
    const outputs =
      typeof requested === 'number'
        ? Array.from({ length: requested }, (_, index) =>
            this.uniqueName(requested === 1 ? name : `${name}:${index}`),
          )
        : requested.map((output) =>
            output === ''
              ? ''
              : options.exactOutputs
                ? this.claim(output)
                : this.uniqueName(output),
          );
    const node: OnnxNode = { opType, name, inputs, outputs };
    if (options.domain) node.domain = options.domain;
    if (options.attributes) node.attributes = options.attributes;
    this.nodes.push(node);
    return outputs;
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`ONNX value name used twice: ${name}`);
    this.usedNames.add(name);
    return name;
  }

  /**
   * Renames the output of the most recent node that produced `current` (e.g. to a graph output
   * name). The value must not have been used as an input yet.
   */
  renameValue(current: string, name: string): void {
    const node = [...this.nodes].reverse().find((candidate) => candidate.outputs.includes(current));
    if (!node || this.nodes.some((candidate) => candidate.inputs.includes(current))) {
      throw new Error(`Cannot rename ONNX value ${current}`);
    }
    this.claim(name);
    node.outputs = node.outputs.map((output) => (output === current ? name : output));
  }

  /** Adds an initializer (a stored tensor) under exactly `name` and returns the name. */
  initializer(
    name: string,
    dataType: OnnxDataType,
    dims: readonly number[],
    data: ArrayBufferView,
  ): string {
    this.claim(name);
    this.initializers.push({ name, dataType, dims: [...dims], rawData: bytesOf(data) });
    return name;
  }

  /** An int64 constant (stored once per distinct value); a scalar when `dims` is `[]`. */
  int64Constant(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(
      OnnxDataType.int64,
      dims,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** An int32 constant (stored once per distinct value); a scalar when `dims` is `[]`. */
  int32Constant(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(OnnxDataType.int32, dims, Int32Array.from(values));
  }

  /** A float32 constant (stored once per distinct value); a scalar when `dims` is `[]`. */
  floatConstant(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(OnnxDataType.float, dims, Float32Array.from(values));
  }

  private constant(dataType: OnnxDataType, dims: readonly number[], data: ArrayBufferView): string {
    const key = `${dataType}:${dims.join(',')}:${Array.from(bytesOf(data)).join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const kind =
      dataType === OnnxDataType.float
        ? 'float'
        : dataType === OnnxDataType.int32
          ? 'int32'
          : 'int64';
    const name = this.uniqueName(`const.${kind}.${dims.length === 0 ? 'scalar' : dims.join('x')}`);
    this.usedNames.delete(name);
    this.initializer(name, dataType, dims, data);
    this.constants.set(key, name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, elementType: OnnxDataType, shape: readonly (number | string)[]): string {
    this.claim(name);
    this.inputs.push({ name, elementType, shape });
    return name;
  }

  /** Declares a graph output (the value must be produced by a node under exactly this name). */
  output(name: string, elementType: OnnxDataType, shape: readonly (number | string)[]): void {
    this.outputs.push({ name, elementType, shape });
  }

  /** The finished graph. */
  build(docString?: string): OnnxGraph {
    const graph: OnnxGraph = {
      name: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
    if (docString) graph.docString = docString;
    return graph;
  }
}
