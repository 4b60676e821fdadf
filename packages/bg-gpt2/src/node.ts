import { loadModel } from '@bg-gpt2/runtime/node';
import { type ModelLoader, setDefaultModelResolver, setModelLoader } from './bg-gpt2.js';
import { chooseDefaultModel } from './node/default-model.js';

// Node: models load through onnxruntime-node, with the file cache and checkpoint conversion;
// without a source, the published model when it can be had, else the bundled demo model.
setModelLoader(loadModel as ModelLoader);
setDefaultModelResolver(chooseDefaultModel);

export * from './index.js';
export {
  chooseDefaultModel,
  type DefaultModelChoice,
  publishedModel,
} from './node/default-model.js';
