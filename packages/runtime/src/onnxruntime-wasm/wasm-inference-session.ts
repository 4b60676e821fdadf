import { wasmEnvironment } from './wasm-environment.js';
import { heapBytes, lastError, loadWasmModule, type OrtWasmModule } from './wasm-module.js';
import { createSessionOptions, type WasmSessionOptions } from './wasm-session-options.js';
import {
  onnxTypeOf,
  Tensor,
  tensorTypeOf,
  typedArrayFor,
  type WasmTensorType,
} from './wasm-tensor.js';

/** An input or output of the model, as onnxruntime-common's `ValueMetadata` describes it. */
export type WasmValueMetadata =
  | { name: string; isTensor: false }
  | {
      name: string;
      isTensor: true;
      type: WasmTensorType | 'unsupported';
      shape: (number | string)[];
    };

/** The name pointer and metadata of input/output `index` of a session. */
function readValue(
  wasm: OrtWasmModule,
  session: number,
  index: number,
): [name: number, metadata: WasmValueMetadata] {
  const stack = wasm.stackSave();
  let metadata = 0;
  try {
    const offset = wasm.stackAlloc(8);
    if (wasm._OrtGetInputOutputMetadata(session, index, offset, offset + 4) !== 0) {
      throw lastError(wasm, "Can't get session input/output metadata.");
    }
    const pointer = wasm.getValue(offset, '*') >>> 0;
    metadata = wasm.getValue(offset + 4, '*') >>> 0;
    const name = wasm.UTF8ToString(pointer);
    const elementType = wasm.getValue(metadata, 'i32');
    if (elementType === 0) return [pointer, { name, isTensor: false }];
    const count = wasm.getValue(metadata + 4, 'i32') >>> 0;
    const shape: (number | string)[] = [];
    for (let axis = 0; axis < count; axis++) {
      const symbol = wasm.getValue(metadata + 8 + axis * 4, '*') >>> 0;
      shape.push(
        symbol !== 0
          ? wasm.UTF8ToString(symbol)
          : wasm.getValue(metadata + 8 + (axis + count) * 4, '*'),
      );
    }
    let type: WasmTensorType | 'unsupported';
    try {
      type = tensorTypeOf(elementType);
    } catch {
      type = 'unsupported';
    }
    return [pointer, { name, isTensor: true, type, shape }];
  } finally {
    wasm.stackRestore(stack);
    if (metadata !== 0) wasm._OrtFree(metadata);
  }
}

/** Copies a tensor into the heap and makes an ONNX Runtime value of it. */
function createValue(wasm: OrtWasmModule, tensor: Tensor, allocations: number[]): number {
  const { data, dims } = tensor;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const pointer = wasm._malloc(bytes.byteLength) >>> 0;
  if (pointer === 0) throw new Error(`Out of WebAssembly memory (${bytes.byteLength} bytes).`);
  allocations.push(pointer);
  heapBytes(wasm).set(bytes, pointer);
  const stack = wasm.stackSave();
  try {
    const shape = wasm.stackAlloc(4 * dims.length);
    dims.forEach((dimension, axis) => {
      wasm.setValue(shape + axis * 4, dimension, 'i32');
    });
    const value = wasm._OrtCreateTensor(
      onnxTypeOf(tensor.type),
      pointer,
      bytes.byteLength,
      shape,
      dims.length,
      1, // CPU
    );
    if (value === 0) throw lastError(wasm, "Can't create a tensor for an input.");
    return value;
  } finally {
    wasm.stackRestore(stack);
  }
}

/** Copies an ONNX Runtime value out of the heap into a {@link Tensor}. */
function readTensor(wasm: OrtWasmModule, value: number): Tensor {
  const stack = wasm.stackSave();
  try {
    const offset = wasm.stackAlloc(16);
    if (wasm._OrtGetTensorData(value, offset, offset + 4, offset + 8, offset + 12) !== 0) {
      throw lastError(wasm, "Can't access an output tensor's data.");
    }
    const type = tensorTypeOf(wasm.getValue(offset, 'i32'));
    const pointer = wasm.getValue(offset + 4, '*') >>> 0;
    const shape = wasm.getValue(offset + 8, '*') >>> 0;
    const dims: number[] = [];
    for (let axis = 0; axis < wasm.getValue(offset + 12, 'i32'); axis++) {
      dims.push(wasm.getValue(shape + axis * 4, 'i32'));
    }
    wasm._OrtFree(shape);
    const data = typedArrayFor(
      type,
      dims.reduce((size, dimension) => size * dimension, 1),
    );
    new Uint8Array(data.buffer).set(heapBytes(wasm).subarray(pointer, pointer + data.byteLength));
    return new Tensor(type, data, dims);
  } finally {
    wasm.stackRestore(stack);
  }
}

type Fetches = readonly string[] | Readonly<Record<string, Tensor | null>>;

/**
 * An ONNX Runtime session in onnxruntime-web's WebAssembly build, driven through its C API with
 * none of onnxruntime-web's JavaScript: CPU tensors in and out (copied, as onnxruntime-web does),
 * no proxy worker, no WebGPU/WebNN. The members are those of onnxruntime-common's
 * `InferenceSession` that this covers.
 */
export class InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly WasmValueMetadata[];
  readonly outputMetadata: readonly WasmValueMetadata[];
  #wasm: OrtWasmModule;
  #handle: number;
  /** Name pointers owned by ONNX Runtime, by input index then output index. */
  #namePointers: number[];

  private constructor(
    wasm: OrtWasmModule,
    handle: number,
    namePointers: number[],
    values: WasmValueMetadata[],
    inputCount: number,
  ) {
    this.#wasm = wasm;
    this.#handle = handle;
    this.#namePointers = namePointers;
    this.inputMetadata = values.slice(0, inputCount);
    this.outputMetadata = values.slice(inputCount);
    this.inputNames = this.inputMetadata.map((value) => value.name);
    this.outputNames = this.outputMetadata.map((value) => value.name);
  }

  /**
   * Loads the WebAssembly module (once, with `env.wasm`) and creates a session for a model: its
   * bytes, or a URL to fetch them from.
   */
  static async create(
    model: Uint8Array | ArrayBuffer | string,
    options: WasmSessionOptions = {},
  ): Promise<InferenceSession> {
    if (wasmEnvironment.wasm.proxy === true) {
      throw new TypeError('env.wasm.proxy: this build has no proxy worker; use onnxruntime-web.');
    }
    const wasm = await loadWasmModule(wasmEnvironment.wasm);
    let bytes: Uint8Array;
    if (typeof model === 'string') {
      const response = await fetch(model);
      if (!response.ok) throw new Error(`${model}: HTTP ${response.status}; no model there.`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } else {
      bytes = model instanceof Uint8Array ? model : new Uint8Array(model);
    }
    const allocations: number[] = [];
    const namePointers: number[] = [];
    let optionsHandle = 0;
    let handle = 0;
    const modelPointer = wasm._malloc(bytes.byteLength) >>> 0;
    try {
      if (modelPointer === 0) {
        throw new Error(`Out of WebAssembly memory (${bytes.byteLength} bytes for the model).`);
      }
      heapBytes(wasm).set(bytes, modelPointer);
      optionsHandle = createSessionOptions(wasm, options, allocations);
      handle = await wasm._OrtCreateSession(modelPointer, bytes.byteLength, optionsHandle);
      if (handle === 0) throw lastError(wasm, "Can't create a session.");
      const stack = wasm.stackSave();
      let inputCount: number;
      let outputCount: number;
      try {
        const offset = wasm.stackAlloc(8);
        if (wasm._OrtGetInputOutputCount(handle, offset, offset + 4) !== 0) {
          throw lastError(wasm, "Can't get session input/output count.");
        }
        inputCount = wasm.getValue(offset, 'i32');
        outputCount = wasm.getValue(offset + 4, 'i32');
      } finally {
        wasm.stackRestore(stack);
      }
      const values: WasmValueMetadata[] = [];
      for (let index = 0; index < inputCount + outputCount; index++) {
        const [pointer, metadata] = readValue(wasm, handle, index);
        namePointers.push(pointer);
        values.push(metadata);
      }
      return new InferenceSession(wasm, handle, namePointers, values, inputCount);
    } catch (error) {
      for (const pointer of namePointers) wasm._OrtFree(pointer);
      if (handle !== 0) wasm._OrtReleaseSession(handle);
      throw error;
    } finally {
      if (modelPointer !== 0) wasm._free(modelPointer);
      if (optionsHandle !== 0) wasm._OrtReleaseSessionOptions(optionsHandle);
      for (const pointer of allocations) wasm._free(pointer);
    }
  }

  /**
   * Runs the model. `fetches`: the output names to return (or an object whose keys are; its
   * values must be `null`: this build writes no pre-allocated outputs); default all outputs.
   * Anything else in the second argument (run options) is ignored.
   */
  async run(
    feeds: Readonly<Record<string, Tensor>>,
    fetches?: Fetches,
  ): Promise<Record<string, Tensor>> {
    if (this.#handle === 0) throw new Error('The session was released.');
    const wasm = this.#wasm;
    const inputs = Object.keys(feeds).map((name) => {
      const index = this.inputNames.indexOf(name);
      if (index < 0) throw new TypeError(`'${name}' is not an input of this model.`);
      return index;
    });
    for (const name of this.inputNames) {
      if (feeds[name] === undefined) throw new TypeError(`input '${name}' is missing in 'feeds'.`);
    }
    const wanted = Array.isArray(fetches)
      ? (fetches as readonly string[])
      : fetches !== undefined &&
          Object.keys(fetches).some((name) => this.outputNames.includes(name))
        ? Object.keys(fetches).map((name) => {
            if ((fetches as Record<string, Tensor | null>)[name] !== null) {
              throw new TypeError(`Pre-allocated output '${name}' is not supported by this build.`);
            }
            return name;
          })
        : this.outputNames;
    const outputs = wanted.map((name) => {
      const index = this.outputNames.indexOf(name);
      if (index < 0) throw new TypeError(`'${name}' is not an output of this model.`);
      return this.inputNames.length + index;
    });
    const allocations: number[] = [];
    const values: number[] = [];
    const stack = wasm.stackSave();
    try {
      const inputNames = wasm.stackAlloc(4 * inputs.length);
      const inputValues = wasm.stackAlloc(4 * inputs.length);
      const outputNames = wasm.stackAlloc(4 * outputs.length);
      const outputValues = wasm.stackAlloc(4 * outputs.length);
      inputs.forEach((index, position) => {
        const value = createValue(wasm, feeds[this.inputNames[index]!]!, allocations);
        values.push(value);
        wasm.setValue(inputNames + position * 4, this.#namePointers[index]!, '*');
        wasm.setValue(inputValues + position * 4, value, '*');
      });
      outputs.forEach((index, position) => {
        wasm.setValue(outputNames + position * 4, this.#namePointers[index]!, '*');
        wasm.setValue(outputValues + position * 4, 0, '*');
      });
      const code = await wasm._OrtRun(
        this.#handle,
        inputNames,
        inputValues,
        inputs.length,
        outputNames,
        outputs.length,
        outputValues,
        0,
      );
      if (code !== 0) throw lastError(wasm, 'failed to call OrtRun().');
      const produced = outputs.map((_, position) => {
        const value = wasm.getValue(outputValues + position * 4, '*') >>> 0;
        values.push(value);
        return value;
      });
      const result: Record<string, Tensor> = {};
      produced.forEach((value, position) => {
        result[wanted[position]!] = readTensor(wasm, value);
      });
      return result;
    } finally {
      wasm.stackRestore(stack);
      for (const value of values) if (value !== 0) wasm._OrtReleaseTensor(value);
      for (const pointer of allocations) wasm._free(pointer);
    }
  }

  /** Releases the session; later runs throw. */
  async release(): Promise<void> {
    if (this.#handle === 0) return;
    for (const pointer of this.#namePointers) this.#wasm._OrtFree(pointer);
    const code = this.#wasm._OrtReleaseSession(this.#handle);
    this.#handle = 0;
    if (code !== 0) throw lastError(this.#wasm, "Can't release session.");
  }

  /** Profiling is not in this build: does nothing. */
  startProfiling(): void {}

  /** Profiling is not in this build: does nothing. */
  endProfiling(): void {}
}
