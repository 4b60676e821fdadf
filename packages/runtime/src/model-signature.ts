import type { InferenceSession } from 'onnxruntime-common';
import { RuntimeError } from './errors.js';
import type { ModelConfig } from './model-config.js';

/** Element type of the cached keys and values. */
export type KeyValueType = 'float32' | 'float16';

/**
 * What a model returns of its KV cache: `present` — `present.{i}.key|value`, the whole cache
 * after the call (the Optimum / transformers.js layout); `new` — `new_key_values.{i}.key|value`,
 * only the call's own keys and values (`@bg-gpt2/convert` with `keyValueOutputs: 'new'`), which
 * the session appends to a cache it keeps itself.
 */
export type KeyValueOutputs = 'present' | 'new';

/**
 * The input and output names of a GPT-2 decoder-with-past ONNX model (the Optimum /
 * transformers.js layout), found by reading the session's `inputNames` / `outputNames`.
 */
export interface ModelSignature {
  /** `input_ids` [batch, sequence] int64. */
  inputIds: string;
  /** `attention_mask` [batch, past + sequence] int64, when the model takes it. */
  attentionMask?: string;
  /** `position_ids` [batch, sequence] int64, when the model takes it. */
  positionIds?: string;
  /** `num_logits_to_keep` / `logits_to_keep` int64 scalar (0 = every position), when present. */
  logitsToKeep?: string;
  /** `use_cache_branch` bool [1] of merged decoders, when present. */
  useCacheBranch?: string;
  /** Per layer: `past_key_values.{i}.key` and `.value` [batch, heads, past, head size]. */
  pastKeys: string[];
  pastValues: string[];
  /** Which kind of key/value outputs the model has. */
  keyValueOutputs: KeyValueOutputs;
  /** Per layer: `present.{i}.key` and `.value` (empty when `keyValueOutputs` is `new`). */
  presentKeys: string[];
  presentValues: string[];
  /** Per layer: `new_key_values.{i}.key` and `.value` (empty when `keyValueOutputs` is `present`). */
  newKeys: string[];
  newValues: string[];
  /** `logits` [batch, sequence (or kept), vocabulary]. */
  logits: string;
  /** Element type of the past inputs (float32 unless the model says float16). */
  keyValueType: KeyValueType;
}

function findName(names: readonly string[], candidates: readonly string[]): string | undefined {
  return candidates.find((candidate) => names.includes(candidate));
}

function inputType(session: InferenceSession, name: string): string | undefined {
  const metadata = (session as Partial<InferenceSession>).inputMetadata;
  if (!Array.isArray(metadata)) return undefined;
  const entry = metadata.find((item) => item?.name === name);
  return entry?.isTensor ? entry.type : undefined;
}

/**
 * Reads the names this package feeds and fetches from a session, checking them against the
 * config.
 *
 * @throws RuntimeError `MODEL_INVALID` when an input or output is missing (for example a model
 *   exported without past key values) or the layer count disagrees with config.json.
 */
export function readModelSignature(session: InferenceSession, config: ModelConfig): ModelSignature {
  const inputs = session.inputNames;
  const outputs = session.outputNames;
  const problem = (what: string): RuntimeError =>
    new RuntimeError(
      'MODEL_INVALID',
      `The ONNX model ${what}. It must be a GPT-2 decoder with past key values (inputs input_ids, ` +
        'attention_mask, position_ids, past_key_values.N.key/.value; outputs logits, present.N.key/.value), ' +
        `as exported by Optimum ("text-generation-with-past") or @bg-gpt2/convert (which may write ` +
        `new_key_values.N.key/.value instead of present.N.*). Inputs: ${inputs.join(', ')}; ` +
        `outputs: ${outputs.join(', ')}.`,
    );
  const inputIds = findName(inputs, ['input_ids']);
  if (inputIds === undefined) throw problem('has no input_ids input');
  const logits = findName(outputs, ['logits']);
  if (logits === undefined) throw problem('has no logits output');

  const pastKeys: string[] = [];
  const pastValues: string[] = [];
  const presentKeys: string[] = [];
  const presentValues: string[] = [];
  const newKeys: string[] = [];
  const newValues: string[] = [];
  const keyValueOutputs: KeyValueOutputs = outputs.includes('new_key_values.0.key')
    ? 'new'
    : 'present';
  for (let layer = 0; ; layer++) {
    const pastKey = findName(inputs, [`past_key_values.${layer}.key`]);
    if (pastKey === undefined) break;
    const pastValue = findName(inputs, [`past_key_values.${layer}.value`]);
    if (pastValue === undefined) throw problem(`has past_key_values.${layer}.key but no .value`);
    pastKeys.push(pastKey);
    pastValues.push(pastValue);
    if (keyValueOutputs === 'new') {
      const newKey = findName(outputs, [`new_key_values.${layer}.key`]);
      const newValue = findName(outputs, [`new_key_values.${layer}.value`]);
      if (newKey === undefined || newValue === undefined) {
        throw problem(`has no new_key_values.${layer}.key/.value outputs`);
      }
      newKeys.push(newKey);
      newValues.push(newValue);
      continue;
    }
    const presentKey = findName(outputs, [
      `present.${layer}.key`,
      `present_key_values.${layer}.key`,
    ]);
    const presentValue = findName(outputs, [
      `present.${layer}.value`,
      `present_key_values.${layer}.value`,
    ]);
    if (presentKey === undefined || presentValue === undefined) {
      throw problem(`has no present.${layer}.key/.value outputs`);
    }
    presentKeys.push(presentKey);
    presentValues.push(presentValue);
  }
  if (pastKeys.length === 0) throw problem('has no past_key_values inputs');
  if (pastKeys.length !== config.layerCount) {
    throw problem(
      `has ${pastKeys.length} layers of past key values but config.json says n_layer ${config.layerCount}`,
    );
  }

  const signature: ModelSignature = {
    inputIds,
    pastKeys,
    pastValues,
    keyValueOutputs,
    presentKeys,
    presentValues,
    newKeys,
    newValues,
    logits,
    keyValueType: inputType(session, pastKeys[0]) === 'float16' ? 'float16' : 'float32',
  };
  const attentionMask = findName(inputs, ['attention_mask']);
  const positionIds = findName(inputs, ['position_ids']);
  const logitsToKeep = findName(inputs, ['num_logits_to_keep', 'logits_to_keep']);
  const useCacheBranch = findName(inputs, ['use_cache_branch']);
  if (attentionMask !== undefined) signature.attentionMask = attentionMask;
  if (positionIds !== undefined) signature.positionIds = positionIds;
  if (logitsToKeep !== undefined) signature.logitsToKeep = logitsToKeep;
  if (useCacheBranch !== undefined) signature.useCacheBranch = useCacheBranch;
  return signature;
}
