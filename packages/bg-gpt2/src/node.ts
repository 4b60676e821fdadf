import { loadModel } from '@bg-gpt2/runtime/node';
import { type ModelLoader, setModelLoader } from './bg-gpt2.js';

// Node: models load through onnxruntime-node, with the file cache and checkpoint conversion.
setModelLoader(loadModel as ModelLoader);

export * from './index.js';
