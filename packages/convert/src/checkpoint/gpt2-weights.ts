import { ConvertError } from '../errors.js';
import type { StateDict, Tensor } from '../tensor.js';
import { tensorToFloat32 } from './float32-conversion.js';
import type { Gpt2Config } from './gpt2-config.js';

/** A float32 tensor: contiguous row-major `data` of `product(shape)` values. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

/** A layer norm's scale (`weight`) and shift (`bias`), both `[embeddingSize]`. */
export interface LayerNormWeights {
  weight: Float32Tensor;
  bias: Float32Tensor;
}

/**
 * A GPT-2 `Conv1D`: `y = x · weight + bias`, with `weight` stored `[in, out]` (the transpose
 * of a `torch.nn.Linear` weight) and `bias` `[out]`.
 */
export interface LinearWeights {
  weight: Float32Tensor;
  bias: Float32Tensor;
}

/** One transformer block (`h.N`). */
export interface Gpt2LayerWeights {
  /** `ln_1`, before attention. */
  layerNorm1: LayerNormWeights;
  /** `attn.c_attn`: `[embeddingSize, 3 × embeddingSize]`, query | key | value along `out`. */
  attentionQkv: LinearWeights;
  /** `attn.c_proj`: `[embeddingSize, embeddingSize]`. */
  attentionProjection: LinearWeights;
  /** `ln_2`, before the feed-forward network. */
  layerNorm2: LayerNormWeights;
  /** `mlp.c_fc`: `[embeddingSize, feedForwardSize]`. */
  feedForwardUp: LinearWeights;
  /** `mlp.c_proj`: `[feedForwardSize, embeddingSize]`. */
  feedForwardDown: LinearWeights;
}

/** The weights of a GPT-2 language model, checked against its config, all float32. */
export interface Gpt2Weights {
  /** `wte`: `[vocabularySize, embeddingSize]`. */
  tokenEmbedding: Float32Tensor;
  /** `wpe`: `[contextLength, embeddingSize]`. */
  positionEmbedding: Float32Tensor;
  layers: Gpt2LayerWeights[];
  /** `ln_f`. */
  finalLayerNorm: LayerNormWeights;
  /**
   * `lm_head.weight` `[vocabularySize, embeddingSize]` (no bias), or `undefined` when it is tied
   * to `tokenEmbedding` (logits = hidden · tokenEmbeddingᵀ).
   */
  languageModelHead: Float32Tensor | undefined;
}

const bufferPattern = /^h\.\d+\.attn\.(bias|masked_bias)$/;
const transformerPattern = /^(h\.|wte\.|wpe\.|ln_f\.)/;
const prefix = 'transformer.';

function mismatch(message: string): ConvertError {
  return new ConvertError('WEIGHTS_MISMATCH', message);
}

function sameShape(left: readonly number[], right: readonly number[]): boolean {
  return left.length === right.length && left.every((size, index) => size === right[index]);
}

function sameBits(left: Float32Array, right: Float32Array): boolean {
  if (left.buffer === right.buffer && left.byteOffset === right.byteOffset) return true;
  if (left.length !== right.length) return false;
  const leftBits = new Uint32Array(left.buffer, left.byteOffset, left.length);
  const rightBits = new Uint32Array(right.buffer, right.byteOffset, right.length);
  for (let index = 0; index < leftBits.length; index++) {
    if (leftBits[index] !== rightBits[index]) return false;
  }
  return true;
}

/**
 * Checks a GPT-2 state dict against its config and returns its weights as float32, in a typed
 * structure the graph writer can use directly.
 *
 * - Keys may carry the `transformer.` prefix (`GPT2LMHeadModel`) or not (`GPT2Model`, the
 *   original OpenAI upload).
 * - The causal-mask buffers `h.N.attn.bias` / `h.N.attn.masked_bias` are dropped.
 * - `lm_head.weight`: absent, or equal to `wte.weight` → tied (`languageModelHead` undefined);
 *   present and different → separate, unless the config ties the embeddings (then, as in
 *   `transformers`, the token embedding is used and the stored head ignored). Absent with
 *   `tie_word_embeddings: false` is a mismatch.
 * - float16 / bfloat16 / float64 become float32; aligned float32 data is used in place.
 * - Keys of other heads (`multiple_choice_head.*`, `score.*`, …) are ignored; an unexpected
 *   transformer key (e.g. a layer beyond `n_layer`) is a mismatch.
 *
 * @throws ConvertError `WEIGHTS_MISMATCH` naming the key and the expected and actual shapes.
 */
export function normalizeGpt2StateDict(stateDict: StateDict, config: Gpt2Config): Gpt2Weights {
  const tensors = new Map<string, { key: string; tensor: Tensor }>();
  for (const [key, tensor] of stateDict) {
    const name = key.startsWith(prefix) ? key.slice(prefix.length) : key;
    if (bufferPattern.test(name)) continue;
    const previous = tensors.get(name);
    if (previous) {
      throw mismatch(
        `The state dict holds both ${previous.key} and ${key}; keep one of them (with or without the "transformer." prefix).`,
      );
    }
    tensors.set(name, { key, tensor });
  }

  const missing: string[] = [];
  const used = new Set<string>();
  const read = (name: string, shape: number[]): Float32Tensor => {
    used.add(name);
    const found = tensors.get(name);
    if (!found) {
      missing.push(name);
      return { shape, data: new Float32Array(0) };
    }
    if (!sameShape(found.tensor.shape, shape)) {
      throw mismatch(
        `The weight ${found.key} has shape [${found.tensor.shape}] but the config (n_layer ${config.layerCount}, n_embd ${config.embeddingSize}, n_inner ${config.feedForwardSize}, n_positions ${config.contextLength}, vocab_size ${config.vocabularySize}) expects [${shape}]. Use the config.json that belongs to these weights.`,
      );
    }
    return { shape, data: tensorToFloat32(found.key, found.tensor) };
  };
  const embedding = config.embeddingSize;
  const inner = config.feedForwardSize;
  const layerNorm = (name: string): LayerNormWeights => ({
    weight: read(`${name}.weight`, [embedding]),
    bias: read(`${name}.bias`, [embedding]),
  });
  const linear = (name: string, inputs: number, outputs: number): LinearWeights => ({
    weight: read(`${name}.weight`, [inputs, outputs]),
    bias: read(`${name}.bias`, [outputs]),
  });

  const tokenEmbedding = read('wte.weight', [config.vocabularySize, embedding]);
  const positionEmbedding = read('wpe.weight', [config.contextLength, embedding]);
  const layers: Gpt2LayerWeights[] = [];
  for (let layer = 0; layer < config.layerCount; layer++) {
    const name = `h.${layer}`;
    layers.push({
      layerNorm1: layerNorm(`${name}.ln_1`),
      attentionQkv: linear(`${name}.attn.c_attn`, embedding, 3 * embedding),
      attentionProjection: linear(`${name}.attn.c_proj`, embedding, embedding),
      layerNorm2: layerNorm(`${name}.ln_2`),
      feedForwardUp: linear(`${name}.mlp.c_fc`, embedding, inner),
      feedForwardDown: linear(`${name}.mlp.c_proj`, inner, embedding),
    });
  }
  const finalLayerNorm = layerNorm('ln_f');

  if (missing.length > 0) {
    const shown = missing.slice(0, 8).join(', ') + (missing.length > 8 ? ', …' : '');
    throw mismatch(
      `The state dict lacks ${missing.length} weight(s) the config needs: ${shown}. Check that config.json belongs to these weights and that the checkpoint is a GPT-2 language model.`,
    );
  }

  const unexpected = [...tensors.keys()].filter(
    (name) => !used.has(name) && name !== 'lm_head.weight' && transformerPattern.test(name),
  );
  if (unexpected.length > 0) {
    const shown = unexpected.slice(0, 8).map((name) => tensors.get(name)!.key);
    throw mismatch(
      `The state dict has weights the config does not account for: ${shown.join(', ')}${unexpected.length > 8 ? ', …' : ''}. Use the config.json that belongs to these weights (n_layer ${config.layerCount}).`,
    );
  }

  let languageModelHead: Float32Tensor | undefined;
  if (tensors.has('lm_head.weight')) {
    const head = read('lm_head.weight', [config.vocabularySize, embedding]);
    if (!config.tieWordEmbeddings && !sameBits(head.data, tokenEmbedding.data)) {
      languageModelHead = head;
    }
  } else if (!config.tieWordEmbeddings) {
    throw mismatch(
      'The state dict has no lm_head.weight but config.json says tie_word_embeddings: false. Set it to true if the output layer is the token embedding, or use the complete checkpoint.',
    );
  }

  return { tokenEmbedding, positionEmbedding, layers, finalLayerNorm, languageModelHead };
}
