import { fileURLToPath } from 'node:url';

/**
 * The absolute path of the bundled demo model: a complete model folder (config.json, the
 * checkpoint, the tokenizer and an ONNX model for every dtype) that `loadModel` of
 * `@bg-gpt2/runtime/node` and the `bg-gpt2` CLI's `--model` accept. Node only.
 *
 * ```js
 * import { demoModelFolder } from '@bg-gpt2/demo-model';
 * import { loadModel } from '@bg-gpt2/runtime/node';
 *
 * const model = await loadModel(demoModelFolder, { dtype: 'q8' });
 * ```
 */
export const demoModelFolder: string = fileURLToPath(
  // This module is dist/index.js (or .cjs, or src/index.ts in the tests): one level down.
  new URL('../dist/model', import.meta.url),
);

/** The repository id the demo model would have on the hub; it is only bundled, never published there. */
export const demoModelName = 'bg-gpt2/demo-model';

/** The precisions the demo model ships in, as `loadModel`'s `dtype` names them. */
export type DemoModelDataType = 'fp32' | 'fp16' | 'q8' | 'int8' | 'q4';

/**
 * The ONNX file of each dtype in {@link demoModelFolder}, named as transformers.js and
 * `@bg-gpt2/runtime` name them. All five are made by `@bg-gpt2/convert` from the checkpoint
 * when the package is built; the npm package ships `int8` (the browser's) and `q8` (the
 * fastest in Node) — the runtime makes the others from the checkpoint on first use and caches
 * them, as for any checkpoint.
 */
export const demoModelOnnxFiles: Readonly<Record<DemoModelDataType, string>> = Object.freeze({
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  q4: 'model_q4.onnx',
});

/** The checkpoint files, exactly in the layout of the published bg-gpt2 model. */
export const demoModelCheckpointFiles: readonly string[] = Object.freeze([
  'config.json',
  'pytorch_model.bin',
  'spiece.model',
  'tokenizer_config.json',
  'README.md',
]);

/** Every file of the built {@link demoModelFolder}: the checkpoint files, then the ONNX models. */
export const demoModelFiles: readonly string[] = Object.freeze([
  ...demoModelCheckpointFiles,
  ...Object.values(demoModelOnnxFiles),
]);
