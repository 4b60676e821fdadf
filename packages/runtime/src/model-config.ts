import { RuntimeError } from './errors.js';

/**
 * The shape of a GPT-2 model, read from its `config.json` (Hugging Face field names in brackets).
 */
export interface ModelConfig {
  /** Transformer blocks (`n_layer`). */
  layerCount: number;
  /** Attention heads per block (`n_head`). */
  headCount: number;
  /** Width of the hidden state (`n_embd`). */
  hiddenSize: number;
  /** `hiddenSize / headCount`: the last dimension of each cached key and value. */
  headSize: number;
  /** The longest context the model reads, in tokens (`n_positions`, else `n_ctx`). */
  contextLength: number;
  /** Rows of the token embedding and columns of the logits (`vocab_size`). */
  vocabularySize: number;
  /** `bos_token_id`, when the config names one. */
  beginningOfTextTokenId?: number;
  /** `eos_token_id`, when the config names one (the first, if it is a list). */
  endOfTextTokenId?: number;
  /** The whole parsed `config.json`. */
  raw: Record<string, unknown>;
}

function positiveInteger(
  raw: Record<string, unknown>,
  names: readonly string[],
  where: string,
): number {
  for (const name of names) {
    const value = raw[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
    throw new RuntimeError(
      'MODEL_INVALID',
      `${where}: "${name}" is ${JSON.stringify(value)}, not a positive integer. Check the model's config.json.`,
    );
  }
  throw new RuntimeError(
    'MODEL_INVALID',
    `${where} has no "${names[0]}". A GPT-2 config.json needs n_layer, n_head, n_embd, n_positions and vocab_size.`,
  );
}

function optionalTokenId(value: unknown): number | undefined {
  if (Array.isArray(value)) return optionalTokenId(value[0]);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Reads the GPT-2 fields of a parsed `config.json`. `where` names the file in error messages.
 *
 * @throws RuntimeError `MODEL_INVALID` when a field is missing or not a positive integer, or
 *   `n_embd` is not a multiple of `n_head`.
 */
export function parseModelConfig(json: unknown, where = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new RuntimeError(
      'MODEL_INVALID',
      `${where} is not a JSON object. Download the model again.`,
    );
  }
  const raw = json as Record<string, unknown>;
  const layerCount = positiveInteger(raw, ['n_layer', 'num_hidden_layers'], where);
  const headCount = positiveInteger(raw, ['n_head', 'num_attention_heads'], where);
  const hiddenSize = positiveInteger(raw, ['n_embd', 'hidden_size'], where);
  const contextLength = positiveInteger(
    raw,
    ['n_positions', 'n_ctx', 'max_position_embeddings'],
    where,
  );
  const vocabularySize = positiveInteger(raw, ['vocab_size'], where);
  if (hiddenSize % headCount !== 0) {
    throw new RuntimeError(
      'MODEL_INVALID',
      `${where}: n_embd ${hiddenSize} is not a multiple of n_head ${headCount}.`,
    );
  }
  const config: ModelConfig = {
    layerCount,
    headCount,
    hiddenSize,
    headSize: hiddenSize / headCount,
    contextLength,
    vocabularySize,
    raw,
  };
  const beginning = optionalTokenId(raw.bos_token_id);
  const end = optionalTokenId(raw.eos_token_id);
  if (beginning !== undefined) config.beginningOfTextTokenId = beginning;
  if (end !== undefined) config.endOfTextTokenId = end;
  return config;
}

/** Parses the text of a `config.json`; `MODEL_INVALID` when it is not JSON. */
export function parseModelConfigText(text: string, where = 'config.json'): ModelConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new RuntimeError(
      'MODEL_INVALID',
      `${where} is not valid JSON. Download the model again.`,
      {
        cause,
      },
    );
  }
  return parseModelConfig(json, where);
}
