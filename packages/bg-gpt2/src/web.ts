import { loadModel } from '@bg-gpt2/runtime/web';
import { type ModelLoader, setModelLoader } from './bg-gpt2.js';

// Browsers: models load through onnxruntime-web (wasm), cached with the Cache API.
setModelLoader(loadModel as ModelLoader);

export * from './index.js';
