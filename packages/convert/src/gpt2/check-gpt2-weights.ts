import { type Gpt2Config, tanhApproximationActivations } from '../checkpoint/gpt2-config.js';
import type { Gpt2Weights } from '../checkpoint/gpt2-weights.js';
import { ConvertError } from '../errors.js';

/**
 * Checks that weights and config belong together before a graph is written (the checkpoint
 * readers check this too; weights built in memory are checked here).
 *
 * @throws ConvertError `WEIGHTS_MISMATCH` for a tensor of the wrong shape or a wrong layer
 *   count, `CONFIG_UNSUPPORTED` for an activation the graph writer does not implement.
 */
export function checkGpt2Weights(weights: Gpt2Weights, config: Gpt2Config): void {
  const { embeddingSize, vocabularySize, layerCount, headCount } = config;
  const expectShape = (what: string, actual: readonly number[], expected: readonly number[]) => {
    const same =
      actual.length === expected.length && actual.every((size, index) => size === expected[index]);
    if (!same) {
      throw new ConvertError(
        'WEIGHTS_MISMATCH',
        `${what} has shape [${actual.join(', ')}], but config.json implies [${expected.join(', ')}]. Use the config.json that belongs to these weights.`,
      );
    }
  };
  if (embeddingSize % headCount !== 0) {
    throw new ConvertError(
      'CONFIG_UNSUPPORTED',
      `n_embd (${embeddingSize}) is not divisible by n_head (${headCount}).`,
    );
  }
  const activation = config.activation as string;
  if (
    !(tanhApproximationActivations as readonly string[]).includes(activation) &&
    activation !== 'gelu'
  ) {
    throw new ConvertError(
      'CONFIG_UNSUPPORTED',
      `activation_function "${activation}" is not supported; use gelu_new, gelu_pytorch_tanh, gelu_fast or gelu.`,
    );
  }
  if (weights.layers.length !== layerCount) {
    throw new ConvertError(
      'WEIGHTS_MISMATCH',
      `The weights have ${weights.layers.length} layers, config.json says n_layer = ${layerCount}. Use the config.json that belongs to these weights.`,
    );
  }
  expectShape('wte.weight', weights.tokenEmbedding.shape, [vocabularySize, embeddingSize]);
  expectShape('wpe.weight', weights.positionEmbedding.shape, [config.contextLength, embeddingSize]);
  const norm = (
    name: string,
    tensor: { weight: { shape: number[] }; bias: { shape: number[] } },
  ) => {
    expectShape(`${name}.weight`, tensor.weight.shape, [embeddingSize]);
    expectShape(`${name}.bias`, tensor.bias.shape, [embeddingSize]);
  };
  weights.layers.forEach((layer, index) => {
    const prefix = `h.${index}`;
    const inner = layer.feedForwardUp.weight.shape[1] ?? 0;
    norm(`${prefix}.ln_1`, layer.layerNorm1);
    norm(`${prefix}.ln_2`, layer.layerNorm2);
    expectShape(`${prefix}.attn.c_attn.weight`, layer.attentionQkv.weight.shape, [
      embeddingSize,
      3 * embeddingSize,
    ]);
    expectShape(`${prefix}.attn.c_attn.bias`, layer.attentionQkv.bias.shape, [3 * embeddingSize]);
    expectShape(`${prefix}.attn.c_proj.weight`, layer.attentionProjection.weight.shape, [
      embeddingSize,
      embeddingSize,
    ]);
    expectShape(`${prefix}.attn.c_proj.bias`, layer.attentionProjection.bias.shape, [
      embeddingSize,
    ]);
    expectShape(`${prefix}.mlp.c_fc.weight`, layer.feedForwardUp.weight.shape, [
      embeddingSize,
      inner,
    ]);
    expectShape(`${prefix}.mlp.c_fc.bias`, layer.feedForwardUp.bias.shape, [inner]);
    expectShape(`${prefix}.mlp.c_proj.weight`, layer.feedForwardDown.weight.shape, [
      inner,
      embeddingSize,
    ]);
    expectShape(`${prefix}.mlp.c_proj.bias`, layer.feedForwardDown.bias.shape, [embeddingSize]);
  });
  norm('ln_f', weights.finalLayerNorm);
  if (weights.languageModelHead) {
    expectShape('lm_head.weight', weights.languageModelHead.shape, [vocabularySize, embeddingSize]);
  }
}
