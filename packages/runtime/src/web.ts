import { registerWebBackend } from './web/web-backend.js';

export * from './index.js';
export { loadModel, type WebLoadModelOptions } from './web/load-model.js';
export {
  createWebBackend,
  registerWebBackend,
  type WebBackendOptions,
  webBackendName,
  webGpuBackendName,
} from './web/web-backend.js';

// Importing this entry point makes onnxruntime-web (WebAssembly) the default backend; it is
// imported only when a model is loaded. Call registerWebBackend(options) to set wasmPaths,
// numThreads or WebGPU.
registerWebBackend();
