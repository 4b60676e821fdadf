/**
 * Input names of the converted GPT-2 (the Hugging Face Optimum / transformers.js
 * decoder-with-past layout, plus `num_logits_to_keep`).
 */
export const gpt2InputNames = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  numLogitsToKeep: 'num_logits_to_keep',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
} as const;

/** Output names of the converted GPT-2. */
export const gpt2OutputNames = {
  logits: 'logits',
  /** `keyValueOutputs: 'present'`: the past followed by this call's keys / values. */
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
  /** `keyValueOutputs: 'new'`: this call's keys / values only (the caller keeps the cache). */
  newKey: (layer: number) => `new_key_values.${layer}.key`,
  newValue: (layer: number) => `new_key_values.${layer}.value`,
} as const;

/** Symbolic dimension names of the inputs and outputs (dynamic axes). */
export const gpt2DimensionNames = {
  batch: 'batch_size',
  sequence: 'sequence_length',
  past: 'past_sequence_length',
  total: 'past_sequence_length + sequence_length',
} as const;
