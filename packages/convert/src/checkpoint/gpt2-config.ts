import { ConvertError } from '../errors.js';

/**
 * The activations the converter implements: the tanh approximation of GELU under its three
 * Hugging Face names (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast` — the same function), and the
 * exact (erf) `gelu`.
 */
export type Gpt2Activation = 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu_fast' | 'gelu';

/** The activations computed with the tanh approximation `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`. */
export const tanhApproximationActivations: readonly Gpt2Activation[] = [
  'gelu_new',
  'gelu_pytorch_tanh',
  'gelu_fast',
];

/** A Hugging Face GPT-2 `config.json`, validated, with the converter's names. */
export interface Gpt2Config {
  /** `n_layer`. */
  layerCount: number;
  /** `n_embd`: the hidden size. */
  embeddingSize: number;
  /** `n_head`; divides `embeddingSize`. */
  headCount: number;
  /** `n_inner`, or 4 × `n_embd` when absent or null: the feed-forward hidden size. */
  feedForwardSize: number;
  /** `n_positions` (or `n_ctx` when that is absent): rows of the position embedding. */
  contextLength: number;
  /** `vocab_size`: rows of the token embedding. */
  vocabularySize: number;
  /** `layer_norm_epsilon`, default 1e-5. */
  layerNormEpsilon: number;
  /** `activation_function`, default `gelu_new`. */
  activation: Gpt2Activation;
  /** `scale_attn_weights` (divide attention scores by √head size), default true. */
  scaleAttentionWeights: boolean;
  /** `scale_attn_by_inverse_layer_idx`; always false here (true is refused). */
  scaleAttentionByInverseLayerIndex: boolean;
  /** `reorder_and_upcast_attn`; always false here (true is refused). */
  reorderAndUpcastAttention: boolean;
  /** `tie_word_embeddings`: the output projection is the token embedding. Default true. */
  tieWordEmbeddings: boolean;
  /** `bos_token_id`, default 50256; undefined when the config says null. */
  bosTokenId: number | undefined;
  /** `eos_token_id`, default 50256; undefined when the config says null. */
  eosTokenId: number | undefined;
}

function invalid(what: string): ConvertError {
  return new ConvertError(
    'CONFIG_INVALID',
    `The GPT-2 config.json is not valid: ${what}. Use the config.json that came with the checkpoint.`,
  );
}

function unsupported(what: string): ConvertError {
  return new ConvertError(
    'CONFIG_UNSUPPORTED',
    `This GPT-2 config is not supported by the converter: ${what}.`,
  );
}

function positiveInteger(config: Record<string, unknown>, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(`"${key}" is ${JSON.stringify(value)}, not a positive integer`);
  }
  return value;
}

function requiredPositiveInteger(config: Record<string, unknown>, key: string): number {
  const value = positiveInteger(config, key);
  if (value === undefined) throw invalid(`the field "${key}" is missing`);
  return value;
}

function optionalBoolean(config: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean')
    throw invalid(`"${key}" is ${JSON.stringify(value)}, not true or false`);
  return value;
}

function tokenId(config: Record<string, unknown>, key: string): number | undefined {
  if (!(key in config)) return 50256;
  const value = config[key];
  if (value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`"${key}" is ${JSON.stringify(value)}, not a token id`);
  }
  return value;
}

/**
 * Reads and validates a Hugging Face GPT-2 `config.json` (its text or the parsed object).
 *
 * Required: `n_layer`, `n_embd`, `n_head`, `vocab_size`, and `n_positions` or `n_ctx`; the
 * rest take Hugging Face's `GPT2Config` defaults. A missing `model_type` is accepted.
 *
 * @throws ConvertError `CONFIG_INVALID` for text that is not JSON, a missing required field or
 *   a value of the wrong type; `CONFIG_UNSUPPORTED` for a model the converter does not handle:
 *   `model_type` other than `gpt2`, `n_embd` not divisible by `n_head`, an activation other than
 *   `gelu_new` / `gelu_pytorch_tanh` / `gelu_fast` / `gelu`, `scale_attn_by_inverse_layer_idx`,
 *   `reorder_and_upcast_attn` or `add_cross_attention` true.
 */
export function readGpt2Config(json: string | object): Gpt2Config {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      throw new ConvertError(
        'CONFIG_INVALID',
        `The GPT-2 config.json is not JSON (${(cause as Error).message}). Download it again.`,
        { cause },
      );
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('it is not a JSON object');
  }
  const config = parsed as Record<string, unknown>;

  const modelType = config.model_type;
  if (modelType !== undefined && modelType !== 'gpt2') {
    throw unsupported(
      `model_type is ${JSON.stringify(modelType)}; only "gpt2" (GPT2LMHeadModel and its fine-tunes) is converted`,
    );
  }

  const layerCount = requiredPositiveInteger(config, 'n_layer');
  const embeddingSize = requiredPositiveInteger(config, 'n_embd');
  const headCount = requiredPositiveInteger(config, 'n_head');
  const vocabularySize = requiredPositiveInteger(config, 'vocab_size');
  const contextLength = positiveInteger(config, 'n_positions') ?? positiveInteger(config, 'n_ctx');
  if (contextLength === undefined) throw invalid('both "n_positions" and "n_ctx" are missing');
  const feedForwardSize = positiveInteger(config, 'n_inner') ?? 4 * embeddingSize;

  if (embeddingSize % headCount !== 0) {
    throw unsupported(
      `n_embd ${embeddingSize} is not divisible by n_head ${headCount}, so the heads cannot split the hidden size`,
    );
  }

  const epsilon = config.layer_norm_epsilon ?? 1e-5;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw invalid(`"layer_norm_epsilon" is ${JSON.stringify(epsilon)}, not a positive number`);
  }

  const activation = config.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string') {
    throw invalid(`"activation_function" is ${JSON.stringify(activation)}, not a name`);
  }
  if (
    !(tanhApproximationActivations as readonly string[]).includes(activation) &&
    activation !== 'gelu'
  ) {
    throw unsupported(
      `activation_function ${JSON.stringify(activation)} is not implemented; the converter supports gelu_new, gelu_pytorch_tanh and gelu_fast (the tanh approximation of GELU) and gelu (exact, with erf)`,
    );
  }

  if (optionalBoolean(config, 'scale_attn_by_inverse_layer_idx', false)) {
    throw unsupported(
      'scale_attn_by_inverse_layer_idx is true (attention scaled by 1/(layer index + 1)); the converter implements only the standard GPT-2 attention',
    );
  }
  if (optionalBoolean(config, 'reorder_and_upcast_attn', false)) {
    throw unsupported(
      'reorder_and_upcast_attn is true (a mixed-precision attention option); for float32 weights, setting it to false in config.json gives the same results up to rounding',
    );
  }
  if (optionalBoolean(config, 'add_cross_attention', false)) {
    throw unsupported(
      'add_cross_attention is true (an encoder–decoder GPT-2); only decoder-only GPT-2 language models are converted',
    );
  }

  return {
    layerCount,
    embeddingSize,
    headCount,
    feedForwardSize,
    contextLength,
    vocabularySize,
    layerNormEpsilon: epsilon,
    activation: activation as Gpt2Activation,
    scaleAttentionWeights: optionalBoolean(config, 'scale_attn_weights', true),
    scaleAttentionByInverseLayerIndex: false,
    reorderAndUpcastAttention: false,
    tieWordEmbeddings: optionalBoolean(config, 'tie_word_embeddings', true),
    bosTokenId: tokenId(config, 'bos_token_id'),
    eosTokenId: tokenId(config, 'eos_token_id'),
  };
}
