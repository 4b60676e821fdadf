export { BgGpt2Error, isBgGpt2Error } from '@bg-gpt2/errors';
export type { Backend, BackendSessionOptions, OutputTensorFactory } from './backend.js';
export {
  listBackends,
  type ResolvedBackend,
  registerBackend,
  resolveBackend,
  unregisterBackend,
} from './backend-registry.js';
export {
  DecoderSession,
  type DecoderSessionHost,
  type DecoderSessionOptions,
} from './decoder-session.js';
export { RuntimeError, type RuntimeErrorCode } from './errors.js';
export { type KeyValueArray, KeyValueBufferPool } from './key-value-buffer-pool.js';
export type { LoadModelOptions } from './load-options.js';
export type { LoadProgress, LoadProgressCallback } from './load-progress.js';
export { Model, type ModelDetails } from './model.js';
export { type ModelConfig, parseModelConfig, parseModelConfigText } from './model-config.js';
export {
  checkModelDataType,
  type ModelDataType,
  modelDataTypes,
  onnxFileName,
} from './model-data-type.js';
export {
  checkpointFileNames,
  type FileLookup,
  type FoundFile,
  findFirst,
  type LocatedModelFiles,
  type LocateOptions,
  locateModelFiles,
  type ModelFileStore,
} from './model-files.js';
export {
  type KeyValueOutputs,
  type KeyValueType,
  type ModelSignature,
  readModelSignature,
} from './model-signature.js';
export {
  baseUrlFile,
  defaultHubEndpoint,
  type HubRepository,
  hubFileUrl,
  isHttpUrl,
  parseHubRepository,
  resolveHubEndpoint,
} from './model-source.js';
