/**
 * Names the ONNX this version of the converter writes: it changes whenever what a conversion
 * writes changes (graph, quantization, file layout). `@bg-gpt2/runtime` keys its cache of
 * converted checkpoints on it, so after an upgrade that converts differently a checkpoint is
 * converted again instead of the old file being reused. The test
 * `test/gpt2/converter-revision.test.ts` fails when the output changes and this does not.
 */
export const converterRevision = '2026-12-07.2';
