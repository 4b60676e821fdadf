import { describe, expect, it } from 'vitest';
import { readGpt2Config } from '../../src/checkpoint/gpt2-config.js';
import { ConvertError, type ConvertErrorCode } from '../../src/errors.js';

/** The config.json of rmihaylov/gpt2-small-theseus-bg, as DESIGN.md describes it. */
const theseus = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_inner: null,
  n_layer: 6,
  n_positions: 1024,
  scale_attn_weights: true,
  vocab_size: 50257,
};

function expectError(input: string | object, code: ConvertErrorCode, message: RegExp) {
  let error: unknown;
  try {
    readGpt2Config(input);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConvertError);
  expect((error as ConvertError).code).toBe(code);
  expect((error as ConvertError).message).toMatch(message);
}

describe('readGpt2Config', () => {
  it('reads the Bulgarian model config, from text or an object', () => {
    const expected = {
      layerCount: 6,
      embeddingSize: 768,
      headCount: 12,
      feedForwardSize: 3072,
      contextLength: 1024,
      vocabularySize: 50257,
      layerNormEpsilon: 1e-5,
      activation: 'gelu_new',
      scaleAttentionWeights: true,
      scaleAttentionByInverseLayerIndex: false,
      reorderAndUpcastAttention: false,
      tieWordEmbeddings: true,
      bosTokenId: 50256,
      eosTokenId: 50256,
    };
    expect(readGpt2Config(theseus)).toEqual(expected);
    expect(readGpt2Config(JSON.stringify(theseus))).toEqual(expected);
  });

  it('applies the Hugging Face defaults', () => {
    const config = readGpt2Config({ n_layer: 2, n_embd: 8, n_head: 2, vocab_size: 10, n_ctx: 16 });
    expect(config).toMatchObject({
      contextLength: 16,
      feedForwardSize: 32,
      layerNormEpsilon: 1e-5,
      activation: 'gelu_new',
      scaleAttentionWeights: true,
      tieWordEmbeddings: true,
      bosTokenId: 50256,
      eosTokenId: 50256,
    });
    const custom = readGpt2Config({
      ...theseus,
      n_inner: 100,
      n_positions: 64,
      layer_norm_epsilon: 1e-6,
      activation_function: 'gelu',
      scale_attn_weights: false,
      tie_word_embeddings: false,
      bos_token_id: 2,
      eos_token_id: null,
      scale_attn_by_inverse_layer_idx: false,
      reorder_and_upcast_attn: false,
      add_cross_attention: false,
    });
    expect(custom).toMatchObject({
      feedForwardSize: 100,
      contextLength: 64,
      layerNormEpsilon: 1e-6,
      activation: 'gelu',
      scaleAttentionWeights: false,
      tieWordEmbeddings: false,
      bosTokenId: 2,
      eosTokenId: undefined,
    });
    for (const activation of ['gelu_pytorch_tanh', 'gelu_fast']) {
      expect(readGpt2Config({ ...theseus, activation_function: activation }).activation).toBe(
        activation,
      );
    }
  });

  it('refuses what the converter does not support, saying why', () => {
    expectError({ ...theseus, model_type: 'llama' }, 'CONFIG_UNSUPPORTED', /model_type is "llama"/);
    expectError(
      { ...theseus, n_head: 5 },
      'CONFIG_UNSUPPORTED',
      /n_embd 768 is not divisible by n_head 5/,
    );
    expectError(
      { ...theseus, activation_function: 'relu' },
      'CONFIG_UNSUPPORTED',
      /"relu" is not implemented; the converter supports gelu_new, gelu_pytorch_tanh and gelu_fast \(the tanh approximation of GELU\) and gelu \(exact, with erf\)/,
    );
    expectError(
      { ...theseus, activation_function: 'quick_gelu' },
      'CONFIG_UNSUPPORTED',
      /quick_gelu/,
    );
    expectError(
      { ...theseus, scale_attn_by_inverse_layer_idx: true },
      'CONFIG_UNSUPPORTED',
      /scale_attn_by_inverse_layer_idx/,
    );
    expectError(
      { ...theseus, reorder_and_upcast_attn: true },
      'CONFIG_UNSUPPORTED',
      /reorder_and_upcast_attn/,
    );
    expectError(
      { ...theseus, add_cross_attention: true },
      'CONFIG_UNSUPPORTED',
      /add_cross_attention/,
    );
  });

  it('rejects what is not a valid config', () => {
    expectError('{"n_layer": ', 'CONFIG_INVALID', /not JSON/);
    expectError('[1]', 'CONFIG_INVALID', /not a JSON object/);
    expectError('null', 'CONFIG_INVALID', /not a JSON object/);
    for (const field of ['n_layer', 'n_embd', 'n_head', 'vocab_size']) {
      const { [field as keyof typeof theseus]: _, ...rest } = theseus;
      expectError(rest, 'CONFIG_INVALID', new RegExp(`"${field}" is missing`));
    }
    const { n_positions: _, n_ctx: __, ...noContext } = theseus;
    expectError(noContext, 'CONFIG_INVALID', /"n_positions" and "n_ctx" are missing/);
    expectError(
      { ...theseus, n_layer: 0 },
      'CONFIG_INVALID',
      /"n_layer" is 0, not a positive integer/,
    );
    expectError({ ...theseus, n_embd: '768' }, 'CONFIG_INVALID', /"n_embd" is "768"/);
    expectError({ ...theseus, n_head: 1.5 }, 'CONFIG_INVALID', /"n_head"/);
    expectError({ ...theseus, layer_norm_epsilon: -1 }, 'CONFIG_INVALID', /layer_norm_epsilon/);
    expectError({ ...theseus, activation_function: 3 }, 'CONFIG_INVALID', /activation_function/);
    expectError(
      { ...theseus, tie_word_embeddings: 'yes' },
      'CONFIG_INVALID',
      /tie_word_embeddings/,
    );
    expectError({ ...theseus, eos_token_id: -3 }, 'CONFIG_INVALID', /eos_token_id/);
  });
});
