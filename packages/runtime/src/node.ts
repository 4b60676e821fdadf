import { registerNodeBackend } from './node/node-backend.js';

export * from './index.js';
export {
  convertedCacheFolder,
  defaultCacheDirectory,
  hubCacheFolder,
  urlCacheFolder,
} from './node/cache-directory.js';
export {
  type DownloadRequest,
  type DownloadResult,
  downloadFile,
} from './node/file-download.js';
export {
  isOffline,
  loadModel,
  type NodeLoadModelOptions,
  type PreparedModel,
  prepareModel,
} from './node/load-model.js';
export {
  createNodeBackend,
  type NodeBackendOptions,
  nodeBackendName,
  registerNodeBackend,
} from './node/node-backend.js';

// Importing this entry point makes onnxruntime-node the default backend (it is imported only when
// a model is loaded, so a missing package surfaces as NO_BACKEND with the install command).
registerNodeBackend();
