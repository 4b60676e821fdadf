import type { Gpt2Config } from './checkpoint/gpt2-config.js';
import type { Gpt2Weights } from './checkpoint/gpt2-weights.js';
import { ConvertError } from './errors.js';
import {
  buildGpt2Graph,
  type Gpt2GraphTuning,
  type Gpt2GraphVariant,
  type Gpt2KeyValueOutputs,
} from './gpt2/gpt2-graph.js';
import { gpt2InputNames, gpt2OutputNames } from './gpt2/gpt2-io-names.js';
import { encodeModel } from './onnx/onnx-encoder.js';
import type { OnnxModel } from './onnx/onnx-model.js';
import { concatenateChunks } from './onnx/protobuf-writer.js';
import type { WeightDataType } from './quantization/weight-storage.js';

/** Options of {@link convertGpt2ToOnnx}. */
export interface ConvertGpt2Options {
  /**
   * How weights are stored: `fp32`, `fp16` (half the size), `q8` (8-bit blocks, for
   * onnxruntime-node), `int8` (per-channel, for onnxruntime-web), `q4` (4-bit blocks of 32).
   */
  dtype: WeightDataType;
  /** `optimized` (default): ONNX Runtime contrib operators; `plain`: standard ONNX only. */
  variant?: Gpt2GraphVariant;
  /**
   * `present` (default): outputs `present.{i}.key|value`, the whole cache after this call (the
   * Optimum / transformers.js layout, for any runtime). `new`: outputs
   * `new_key_values.{i}.key|value`, only this call's keys and values, for a caller that keeps
   * the cache itself (`@bg-gpt2/runtime`): no copy of the whole cache per token.
   */
  keyValueOutputs?: Gpt2KeyValueOutputs;
  /** Called as the conversion advances; `stage` says what is being done. */
  onProgress?: (done: number, total: number, stage: string) => void;
  /** Measurement knobs (alternative encodings); leave unset for the measured-best defaults. */
  tuning?: Gpt2GraphTuning;
}

/** What a converted model looks like from the outside. */
export interface ConvertedGpt2Metadata {
  dtype: WeightDataType;
  variant: Gpt2GraphVariant;
  keyValueOutputs: Gpt2KeyValueOutputs;
  inputNames: string[];
  outputNames: string[];
  layerCount: number;
  headCount: number;
  headSize: number;
  vocabularySize: number;
  contextLength: number;
  /** Size of the model file in bytes. */
  byteLength: number;
  /** Bytes of stored tensors (weights) in the file. */
  weightByteLength: number;
}

/** A converted model: the file as chunks (write them in order) and its description. */
export interface ConvertedGpt2Model {
  /** The `.onnx` file, in order; the weight bytes are referenced, not copied. */
  chunks: Uint8Array[];
  metadata: ConvertedGpt2Metadata;
  /** The file as one array (concatenates the chunks: one copy of the bytes). */
  toBytes(): Uint8Array;
}

/** ONNX IR version 8 (ONNX 1.10+): read by every ONNX Runtime ≥ 1.10. */
const irVersion = 8;
const defaultOpset = 17;
const producerName = '@bg-gpt2/convert';

/**
 * Converts GPT-2 weights to an ONNX model with a KV cache, in the Hugging Face Optimum /
 * transformers.js layout (`input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.{i}.key|value` → `logits`, `present.{i}.key|value`), plus the
 * scalar input `num_logits_to_keep`. Pure computation: no file system, works in browsers.
 *
 * Throws `ConvertError` (`WEIGHTS_MISMATCH`, `CONFIG_INVALID`, `CONFIG_UNSUPPORTED`).
 */
export function convertGpt2ToOnnx(
  weights: Gpt2Weights,
  config: Gpt2Config,
  options: ConvertGpt2Options,
): ConvertedGpt2Model {
  const variant = options.variant ?? 'optimized';
  const keyValueOutputs = options.keyValueOutputs ?? 'present';
  const dtypes: readonly WeightDataType[] = ['fp32', 'fp16', 'q8', 'int8', 'q4'];
  if (!dtypes.includes(options.dtype)) {
    throw new ConvertError(
      'CONFIG_UNSUPPORTED',
      `Unknown dtype "${String(options.dtype)}"; use one of ${dtypes.join(', ')}.`,
    );
  }
  if (variant !== 'optimized' && variant !== 'plain') {
    throw new ConvertError(
      'CONFIG_UNSUPPORTED',
      `Unknown variant "${String(variant)}"; use "optimized" or "plain".`,
    );
  }
  if (keyValueOutputs !== 'present' && keyValueOutputs !== 'new') {
    throw new ConvertError(
      'CONFIG_UNSUPPORTED',
      `Unknown keyValueOutputs "${String(keyValueOutputs)}"; use "present" or "new".`,
    );
  }
  // Steps: the embeddings, each layer, the output head (weights converted and quantized), encoding.
  const total = config.layerCount + 3;
  const progress = options.onProgress ?? (() => {});
  progress(0, total, `converting the weights to ${options.dtype}`);
  const graph = buildGpt2Graph(weights, config, {
    dtype: options.dtype,
    variant,
    keyValueOutputs,
    tuning: options.tuning ?? {},
    onProgress: (done, _graphTotal, stage) => progress(done, total, stage),
  });
  const model: OnnxModel = {
    irVersion,
    opsetImports: [
      { domain: '', version: defaultOpset },
      { domain: 'com.microsoft', version: 1 },
    ],
    producerName,
    graph,
    metadata: {
      model_type: 'gpt2',
      dtype: options.dtype,
      variant,
      key_value_outputs: keyValueOutputs,
      n_layer: String(config.layerCount),
      n_head: String(config.headCount),
      n_embd: String(config.embeddingSize),
      vocab_size: String(config.vocabularySize),
    },
  };
  const chunks = encodeModel(model);
  let byteLength = 0;
  for (const chunk of chunks) byteLength += chunk.byteLength;
  let weightByteLength = 0;
  for (const tensor of graph.initializers) weightByteLength += tensor.rawData.byteLength;

  const layers = Array.from({ length: config.layerCount }, (_, layer) => layer);
  const metadata: ConvertedGpt2Metadata = {
    dtype: options.dtype,
    variant,
    keyValueOutputs,
    inputNames: [
      gpt2InputNames.inputIds,
      gpt2InputNames.attentionMask,
      gpt2InputNames.positionIds,
      ...layers.flatMap((layer) => [
        gpt2InputNames.pastKey(layer),
        gpt2InputNames.pastValue(layer),
      ]),
      gpt2InputNames.numLogitsToKeep,
    ],
    outputNames: [
      gpt2OutputNames.logits,
      ...layers.flatMap((layer) =>
        keyValueOutputs === 'new'
          ? [gpt2OutputNames.newKey(layer), gpt2OutputNames.newValue(layer)]
          : [gpt2OutputNames.presentKey(layer), gpt2OutputNames.presentValue(layer)],
      ),
    ],
    layerCount: config.layerCount,
    headCount: config.headCount,
    headSize: config.embeddingSize / config.headCount,
    vocabularySize: config.vocabularySize,
    contextLength: config.contextLength,
    byteLength,
    weightByteLength,
  };
  progress(total, total, 'encoded the ONNX model');
  return { chunks, metadata, toBytes: () => concatenateChunks(chunks) };
}
