// @bg-gpt2/runtime/onnxruntime-wasm — onnxruntime-web's WebAssembly build, driven through ONNX
// Runtime's C API without onnxruntime-web's JavaScript: about 3 KB min+gzip instead of 15. It
// exports what CPU inference needs of onnxruntime-web/wasm (`InferenceSession`, `Tensor`, `env`);
// a bundler alias of `onnxruntime-web/wasm` and `onnxruntime-common` to this module puts it under
// @bg-gpt2/runtime/web (what <bg-complete>'s worker does). The .mjs/.wasm files are
// onnxruntime-web's own, served from `env.wasm.wasmPaths`.
import { wasmEnvironment } from './onnxruntime-wasm/wasm-environment.js';
import { InferenceSession } from './onnxruntime-wasm/wasm-inference-session.js';
import { Tensor } from './onnxruntime-wasm/wasm-tensor.js';

export { onnxRuntimeWebVersion } from './onnxruntime-wasm/wasm-environment.js';
export type { WasmValueMetadata } from './onnxruntime-wasm/wasm-inference-session.js';
export { wasmBinaryFile, wasmLoaderFile } from './onnxruntime-wasm/wasm-module.js';
export type { WasmSessionOptions } from './onnxruntime-wasm/wasm-session-options.js';
export type { WasmTensorData, WasmTensorType } from './onnxruntime-wasm/wasm-tensor.js';
export { InferenceSession, Tensor, wasmEnvironment as env };
export default { InferenceSession, Tensor, env: wasmEnvironment };
