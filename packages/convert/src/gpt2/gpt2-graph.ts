import { type Gpt2Config, tanhApproximationActivations } from '../checkpoint/gpt2-config.js';
import type {
  Gpt2LayerWeights,
  Gpt2Weights,
  LayerNormWeights,
  LinearWeights,
} from '../checkpoint/gpt2-weights.js';
import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { OnnxDataType } from '../onnx/onnx-data-type.js';
import type { OnnxGraph } from '../onnx/onnx-model.js';
import {
  createWeightStorage,
  type EmbeddingTable,
  type WeightDataType,
  type WeightStorage,
  type WeightStorageTuning,
} from '../quantization/weight-storage.js';
import { checkGpt2Weights } from './check-gpt2-weights.js';
import { gpt2DimensionNames, gpt2InputNames, gpt2OutputNames } from './gpt2-io-names.js';

/**
 * `plain`: standard ONNX operators only (opset 17), for any ONNX runtime.
 * `optimized`: ONNX Runtime's contrib operators (`com.microsoft`) where they measured faster.
 */
export type Gpt2GraphVariant = 'optimized' | 'plain';

/**
 * What the graph returns of the KV cache.
 * `present`: `present.{i}.key|value` = the past followed by this call's keys/values (the Hugging
 * Face Optimum / transformers.js layout; every call copies the whole cache into the outputs).
 * `new`: `new_key_values.{i}.key|value` = this call's keys/values only, `[batch, heads, sequence,
 * head size]`; the caller appends them to its own cache and feeds that back as the past — which
 * may have spare, masked slots (`attention_mask` 0), so the cache can grow in place. Attention
 * reads the past where it lies, without concatenating it. What `@bg-gpt2/runtime` prefers.
 */
export type Gpt2KeyValueOutputs = 'present' | 'new';

/** Options of {@link buildGpt2Graph}. */
export interface Gpt2GraphOptions {
  dtype: WeightDataType;
  variant: Gpt2GraphVariant;
  /** `present` (default) or `new`, see {@link Gpt2KeyValueOutputs}. */
  keyValueOutputs?: Gpt2KeyValueOutputs;
  /** Choices between equivalent encodings, for measuring. */
  tuning?: Gpt2GraphTuning;
  /** Called after each part is written (embeddings, each layer, the output head). */
  onProgress?: (done: number, total: number, stage: string) => void;
}

/** Measurement knobs of the graph; the defaults are the measured best. */
export interface Gpt2GraphTuning extends WeightStorageTuning {
  /** `optimized`: fuse each residual add with the following LayerNorm (`SkipLayerNormalization`). */
  skipLayerNormalization?: boolean;
  /**
   * `optimized`: attention by `com.microsoft.MultiHeadAttention` (with the KV cache). With
   * `keyValueOutputs: 'new'`, `MultiHeadAttention` concatenates past and new inside (one
   * operator instead of about a dozen small ones per layer, but a copy of the cache per call);
   * by default every dtype attends over the separate past instead (no copy of the cache:
   * measured faster, see the constructor).
   */
  multiHeadAttention?: boolean;
  /** `optimized`: the GELU by `com.microsoft.FastGelu` (tanh) or `com.microsoft.Gelu` (erf). */
  fusedGelu?: boolean;
}

/** The largest finite float32: masked attention scores get its negative, as torch's `finfo.min`. */
const largestFloat32 = 3.4028234663852886e38;
const microsoft = 'com.microsoft';

/** The residual stream after an add, and its LayerNorm. */
interface NormalizedSum {
  sum: string;
  normalized: string;
}

/**
 * The GPT-2 decoder with a KV cache as an ONNX graph, written as one forward pass (after
 * nanoGPT's `model.py`):
 *
 * ```
 * x = wte[input_ids] + wpe[position_ids]
 * for each block:  x = x + attention(ln_1(x));  x = x + mlp(ln_2(x))
 *                  (the last block: x[:, -num_logits_to_keep:] after attention's keys/values)
 * logits = ln_f(x) · wteᵀ                                   (lm_head tied to wte)
 * ```
 *
 * Inputs: `input_ids`, `attention_mask` (1 = attend, 0 = padding; `[batch, past + sequence]`),
 * `position_ids`, `past_key_values.{i}.key|value` `[batch, heads, past, head size]` (past may be
 * 0 for the prefill) and the scalar `num_logits_to_keep` (0 = all positions, n = the last n).
 * Outputs: `logits` and `present.{i}.key|value` (the past followed by this call's keys/values).
 * A query sees every unmasked past key and the keys up to its own position; a fully masked
 * (padding) row gets finite values, never NaN.
 *
 * @throws ConvertError `WEIGHTS_MISMATCH` / `CONFIG_UNSUPPORTED` (see {@link checkGpt2Weights}).
 */
export function buildGpt2Graph(
  weights: Gpt2Weights,
  config: Gpt2Config,
  options: Gpt2GraphOptions,
): OnnxGraph {
  checkGpt2Weights(weights, config);
  return new Gpt2GraphWriter(weights, config, options).forward();
}

/** Writes the graph's nodes; each method is one piece of the model. */
class Gpt2GraphWriter {
  private readonly graph = new OnnxGraphBuilder('gpt2');
  private readonly storage: WeightStorage;
  private readonly headSize: number;
  private readonly useSkipLayerNorm: boolean;
  private readonly useMultiHeadAttention: boolean;
  private readonly useFusedGelu: boolean;
  private readonly keyValueOutputs: Gpt2KeyValueOutputs;
  /** Input names, set by `declareInputs`. */
  private inputIds = '';
  private attentionMask = '';
  private positionIds = '';
  private numLogitsToKeep = '';
  /** `[batch, 1, sequence, total]`, shared by all layers. */
  private attentionBias = '';
  /** The past length as a `[1]` tensor (set with the bias). */
  private pastLength = '';

  constructor(
    private readonly weights: Gpt2Weights,
    private readonly config: Gpt2Config,
    private readonly options: Gpt2GraphOptions,
  ) {
    const optimized = options.variant === 'optimized';
    const tuning = options.tuning ?? {};
    this.storage = createWeightStorage(this.graph, options.dtype, tuning);
    this.headSize = config.embeddingSize / config.headCount;
    this.useSkipLayerNorm = optimized && (tuning.skipLayerNormalization ?? true);
    // Measured (seed-shaped model, ms/token): with 'new' outputs, attention over the separate
    // past against MultiHeadAttention (which copies the cache into its present every call).
    // Intel Sapphire Rapids ×2: fp32 2 threads 14.04 vs 14.08 after 8 tokens, 14.95 vs 16.24
    // after 512 (1 thread, CPU time: 24.6 vs 24.8 and 27.1 vs 29.2); q4 3.41 vs 3.65 and
    // 5.08 vs 6.40. (On an AMD EPYC ×2, fp32 had gained from it after 8 tokens: 10.5 vs 11.8.)
    // So every dtype attends over the separate past; 'present' outputs use MultiHeadAttention.
    this.useMultiHeadAttention =
      optimized &&
      (tuning.multiHeadAttention ?? (options.keyValueOutputs ?? 'present') === 'present');
    this.useFusedGelu = optimized && (tuning.fusedGelu ?? true);
    this.keyValueOutputs = options.keyValueOutputs ?? 'present';
  }

  /** The forward pass; returns the finished graph. */
  forward(): OnnxGraph {
    const { weights, graph } = this;
    const layers = weights.layers;
    const progressTotal = layers.length + 2;
    const progress = (done: number, stage: string) =>
      this.options.onProgress?.(done, progressTotal, stage);
    this.declareInputs();

    // x = wte[input_ids] + wpe[position_ids]
    const tokenTable = this.storage.table(weights.tokenEmbedding, 'transformer.wte');
    const positionTable = this.storage.lookupTable(weights.positionEmbedding, 'transformer.wpe');
    const embeddings = graph.node(
      'Add',
      [tokenTable.lookup(this.inputIds), positionTable.lookup(this.positionIds)],
      { name: 'embeddings' },
    );
    this.attentionBias = this.buildAttentionBias();
    progress(1, 'embeddings');

    // x = x + attention(ln_1(x)); x = x + mlp(ln_2(x)) — each residual add is written together
    // with the LayerNorm that follows it (one fused operator in the optimized graph).
    let x: NormalizedSum = {
      sum: embeddings,
      normalized: this.layerNorm(embeddings, layers[0]!.layerNorm1, 'h.0.ln_1'),
    };
    let lastMlpOutput = '';
    layers.forEach((layer, index) => {
      graph.scope = `h.${index}`;
      const last = index === layers.length - 1;
      let { heads: attended, keptLast } = this.attention(x.normalized, layer, index, last);
      let residual = x.sum;
      if (last) {
        // Every position's keys and values are cached, but in the last layer only the last
        // num_logits_to_keep positions matter: its queries (where the attention allows), c_proj
        // and MLP — an eighth of a prefill's work — run on those alone.
        if (!keptLast) attended = this.keepLastPositions(attended);
        residual = this.keepLastPositions(residual);
      }
      x = this.addAndNormalize(residual, attended, layer.layerNorm2, `h.${index}.ln_2`);
      const fed = this.mlp(x.normalized, layer, index);
      const next = layers[index + 1];
      if (next) x = this.addAndNormalize(x.sum, fed, next.layerNorm1, `h.${index + 1}.ln_1`);
      else lastMlpOutput = fed;
      graph.scope = '';
      progress(index + 2, `layer ${index + 1} of ${layers.length}`);
    });

    // logits = lm_head(ln_f(x)), only for the last num_logits_to_keep positions (0 = all).
    const final = this.addAndNormalize(x.sum, lastMlpOutput, weights.finalLayerNorm, 'ln_f');
    const outputTable: EmbeddingTable = weights.languageModelHead
      ? this.storage.table(weights.languageModelHead, 'lm_head')
      : tokenTable;
    graph.renameValue(outputTable.project(final.normalized), gpt2OutputNames.logits);
    progress(progressTotal, 'output projection');

    this.declareOutputs();
    return graph.build(
      `GPT-2 decoder with KV cache (${this.options.dtype}, ${this.options.variant})`,
    );
  }

  private declareInputs(): void {
    const { graph, config } = this;
    const { batch, sequence, past, total } = gpt2DimensionNames;
    this.inputIds = graph.input(gpt2InputNames.inputIds, OnnxDataType.int64, [batch, sequence]);
    this.attentionMask = graph.input(gpt2InputNames.attentionMask, OnnxDataType.int64, [
      batch,
      total,
    ]);
    this.positionIds = graph.input(gpt2InputNames.positionIds, OnnxDataType.int64, [
      batch,
      sequence,
    ]);
    for (let layer = 0; layer < config.layerCount; layer++) {
      const cacheShape = [batch, config.headCount, past, this.headSize];
      graph.input(gpt2InputNames.pastKey(layer), OnnxDataType.float, cacheShape);
      graph.input(gpt2InputNames.pastValue(layer), OnnxDataType.float, cacheShape);
    }
    // A required scalar, as in the official transformers.js graphs (which feed 0 when the caller
    // does not). An initializer default would be hidden by onnxruntime-node (not in inputNames).
    this.numLogitsToKeep = graph.input(gpt2InputNames.numLogitsToKeep, OnnxDataType.int64, []);
  }

  private declareOutputs(): void {
    const { graph, config } = this;
    const { batch, sequence, total } = gpt2DimensionNames;
    // `sequence_length` positions, or num_logits_to_keep of them when it is > 0.
    graph.output(gpt2OutputNames.logits, OnnxDataType.float, [
      batch,
      sequence,
      config.vocabularySize,
    ]);
    for (let layer = 0; layer < config.layerCount; layer++) {
      if (this.keyValueOutputs === 'new') {
        const newShape = [batch, config.headCount, sequence, this.headSize];
        graph.output(gpt2OutputNames.newKey(layer), OnnxDataType.float, newShape);
        graph.output(gpt2OutputNames.newValue(layer), OnnxDataType.float, newShape);
      } else {
        const cacheShape = [batch, config.headCount, total, this.headSize];
        graph.output(gpt2OutputNames.presentKey(layer), OnnxDataType.float, cacheShape);
        graph.output(gpt2OutputNames.presentValue(layer), OnnxDataType.float, cacheShape);
      }
    }
  }

  private layerNorm(input: string, norm: LayerNormWeights, name: string): string {
    const [weight, bias] = this.layerNormWeights(norm, name);
    return this.graph.node('LayerNormalization', [input, weight, bias], {
      name,
      attributes: { axis: -1, epsilon: { float: this.config.layerNormEpsilon } },
    });
  }

  private layerNormWeights(norm: LayerNormWeights, name: string): [string, string] {
    const { graph } = this;
    return [
      graph.initializer(`${name}.weight`, OnnxDataType.float, norm.weight.shape, norm.weight.data),
      graph.initializer(`${name}.bias`, OnnxDataType.float, norm.bias.shape, norm.bias.data),
    ];
  }

  /** `residual + delta`, and the LayerNorm of that sum. */
  private addAndNormalize(
    residual: string,
    delta: string,
    norm: LayerNormWeights,
    name: string,
  ): NormalizedSum {
    if (!this.useSkipLayerNorm) {
      const sum = this.graph.node('Add', [residual, delta], { name: `${name}.residual` });
      return { sum, normalized: this.layerNorm(sum, norm, name) };
    }
    const [weight, bias] = this.layerNormWeights(norm, name);
    // Outputs: normalized, mean, inverse std, and the sum (input_skip_bias_sum).
    const [normalized, , , sum] = this.graph.nodeWithOutputs(
      'SkipLayerNormalization',
      [delta, residual, weight, bias],
      {
        domain: microsoft,
        name,
        outputs: 4,
        attributes: { epsilon: { float: this.config.layerNormEpsilon } },
      },
    );
    return { sum: sum!, normalized: normalized! };
  }

  /** The last `num_logits_to_keep` positions (along `axis`) of `[B, S, E]` (all when it is 0). */
  private keepLastPositions(tensor: string, axis = 1): string {
    const { graph } = this;
    // Slice from -n to the end: -0 = 0 keeps everything.
    const start = graph.node('Neg', [
      graph.node('Reshape', [this.numLogitsToKeep, graph.int64Constant([1])]),
    ]);
    return graph.node('Slice', [
      tensor,
      start,
      graph.int64Constant([Number.MAX_SAFE_INTEGER]),
      graph.int64Constant([axis]),
    ]);
  }

  /**
   * The additive attention bias `[batch, 1, sequence, total]`: 0 where a query may look,
   * -3.4e38 where it may not (a later position, or a key whose attention_mask is 0). Computed
   * once for all layers. Query i of this call is at position past + i.
   */
  private buildAttentionBias(): string {
    const { graph } = this;
    graph.scope = 'attention_bias';
    const scalar = (vector: string) => graph.node('Squeeze', [vector, graph.int64Constant([0])]);
    const lengthOf = (input: string, name: string) =>
      graph.node('Shape', [input], { name, attributes: { start: 1, end: 2 } });
    const sequenceLength = lengthOf(this.inputIds, 'sequence_length');
    const totalLength = lengthOf(this.attentionMask, 'total_length');
    const pastLength = graph.node('Sub', [totalLength, sequenceLength], { name: 'past_length' });
    this.pastLength = pastLength;
    const one = graph.int64Constant([1], []);
    const keyPositions = graph.node('Range', [
      graph.int64Constant([0], []),
      scalar(totalLength),
      one,
    ]);
    const queryPositions = graph.node('Range', [scalar(pastLength), scalar(totalLength), one]);
    const queryColumn = graph.node('Unsqueeze', [queryPositions, graph.int64Constant([1])]);
    // [S, T]: key j is at or before query i.
    const causal = graph.node('LessOrEqual', [keyPositions, queryColumn], { name: 'causal' });
    const keyIsToken = graph.node('Cast', [this.attentionMask], {
      attributes: { to: OnnxDataType.bool },
    });
    const keyMask = graph.node('Unsqueeze', [keyIsToken, graph.int64Constant([1, 2])]); // [B, 1, 1, T]
    const allowed = graph.node('And', [keyMask, causal], { name: 'allowed' }); // [B, 1, S, T]
    const bias = graph.node(
      'Where',
      [allowed, graph.floatConstant([0], []), graph.floatConstant([-largestFloat32], [])],
      { name: 'bias' },
    );
    graph.scope = '';
    return bias;
  }

  private attentionScale(layer: number): number {
    let scale = this.config.scaleAttentionWeights === false ? 1 : 1 / Math.sqrt(this.headSize);
    if (this.config.scaleAttentionByInverseLayerIndex) scale /= layer + 1;
    return scale;
  }

  /**
   * Causal self-attention of one block with its KV cache: `c_proj(·)`, `[B, S, E]` — or only the
   * last num_logits_to_keep positions (`keptLast`) when `onlyLast` and the attention can.
   */
  private attention(
    input: string,
    layer: Gpt2LayerWeights,
    index: number,
    onlyLast: boolean,
  ): { heads: string; keptLast: boolean } {
    const { graph, config } = this;
    const size = config.embeddingSize;
    const scale = this.attentionScale(index);
    if (this.keyValueOutputs === 'new' && !this.useMultiHeadAttention) {
      // The attention scale is folded into the query columns of c_attn (exact for the usual
      // 1/√64 = 1/8), so the score products run with alpha 1 — ONNX Runtime's fast path for a
      // single query row.
      const qkv = this.storage.linear(
        input,
        scaleQueryColumns(layer.attentionQkv, size, scale),
        `h.${index}.attn.c_attn`,
      );
      const heads = this.attentionOverSeparatePast(qkv, index, onlyLast);
      return {
        heads: this.storage.linear(heads, layer.attentionProjection, `h.${index}.attn.c_proj`),
        keptLast: onlyLast,
      };
    }
    const qkv = this.storage.linear(input, layer.attentionQkv, `h.${index}.attn.c_attn`);
    const [query, key, value] = graph.nodeWithOutputs(
      'Split',
      [qkv, graph.int64Constant([size, size, size])],
      { outputs: 3, attributes: { axis: -1 } },
    ) as [string, string, string];
    const pastKey = gpt2InputNames.pastKey(index);
    const pastValue = gpt2InputNames.pastValue(index);
    const presentKey = gpt2OutputNames.presentKey(index);
    const presentValue = gpt2OutputNames.presentValue(index);
    let heads: string;
    if (this.useMultiHeadAttention) {
      // Appends key/value to the cache, attends with the bias, merges the heads: one operator.
      const newOutputs = this.keyValueOutputs === 'new';
      [heads] = graph.nodeWithOutputs(
        'MultiHeadAttention',
        [query, key, value, '', '', this.attentionBias, pastKey, pastValue],
        {
          domain: microsoft,
          // With 'new' outputs the presents stay inside the graph (MultiHeadAttention reads the
          // past only when it writes them).
          outputs: newOutputs
            ? [`h.${index}/attention`, `h.${index}/present_key`, `h.${index}/present_value`]
            : [`h.${index}/attention`, presentKey, presentValue],
          exactOutputs: true,
          attributes: { num_heads: config.headCount, scale: { float: scale } },
        },
      ) as [string];
      if (newOutputs) {
        // This call's keys and values, [B, S, E] → [B, heads, S, head size].
        const splitHeadsShape = graph.int64Constant([0, 0, config.headCount, this.headSize]);
        for (const [tensor, output] of [
          [key, gpt2OutputNames.newKey(index)],
          [value, gpt2OutputNames.newValue(index)],
        ] as const) {
          graph.nodeWithOutputs('Transpose', [graph.node('Reshape', [tensor, splitHeadsShape])], {
            outputs: [output],
            exactOutputs: true,
            attributes: { perm: [0, 2, 1, 3] },
          });
        }
      }
    } else {
      // [B, S, E] → [B, heads, S, head size]
      const splitHeadsShape = graph.int64Constant([0, 0, config.headCount, this.headSize]);
      const toHeads = (tensor: string) =>
        graph.node('Transpose', [graph.node('Reshape', [tensor, splitHeadsShape])], {
          attributes: { perm: [0, 2, 1, 3] },
        });
      const appendToCache = (past: string, current: string, present: string) =>
        graph.nodeWithOutputs('Concat', [past, toHeads(current)], {
          outputs: [present],
          exactOutputs: true,
          attributes: { axis: 2 },
        })[0]!;
      const keys = appendToCache(pastKey, key, presentKey);
      const values = appendToCache(pastValue, value, presentValue);
      // softmax(q·kᵀ · scale + bias) · v
      const keysTransposed = graph.node('Transpose', [keys], {
        attributes: { perm: [0, 1, 3, 2] },
      });
      const scores = graph.node('MatMul', [toHeads(query), keysTransposed], { name: 'scores' });
      const scaled = graph.node('Mul', [scores, graph.floatConstant([scale], [])]);
      const masked = graph.node('Add', [scaled, this.attentionBias], { name: 'masked_scores' });
      const probabilities = graph.node('Softmax', [masked], { attributes: { axis: -1 } });
      const weighted = graph.node('MatMul', [probabilities, values], { name: 'weighted_values' });
      // [B, heads, S, head size] → [B, S, E]
      const sequenceFirst = graph.node('Transpose', [weighted], {
        attributes: { perm: [0, 2, 1, 3] },
      });
      heads = graph.node('Reshape', [sequenceFirst, graph.int64Constant([0, 0, size])], {
        name: 'merge_heads',
      });
    }
    return {
      heads: this.storage.linear(heads, layer.attentionProjection, `h.${index}.attn.c_proj`),
      keptLast: false,
    };
  }

  /**
   * Attention for `keyValueOutputs: 'new'` over `qkv` `[B, S, 3E]` (queries already scaled): the
   * scores against the past and against this call's keys are computed apart and joined
   * (`[B, heads, S, past + S]`, small), so the past — which may have spare masked slots — is read
   * where it lies and never copied. Outputs this call's keys and values as
   * `new_key_values.{i}.*`; returns the merged heads, `[B, S, E]` — only the last
   * num_logits_to_keep positions' with `onlyLast`.
   */
  private attentionOverSeparatePast(qkv: string, index: number, onlyLast: boolean): string {
    const { graph, config } = this;
    const size = config.embeddingSize;
    const headCount = config.headCount;
    const pastKey = gpt2InputNames.pastKey(index);
    const pastValue = gpt2InputNames.pastValue(index);
    // [B, S, 3E] → [B, S, 3·heads, head size] → [B, 3·heads, S, head size] → q, k, v by heads.
    const split = graph.node(
      'Transpose',
      [graph.node('Reshape', [qkv, graph.int64Constant([0, 0, 3 * headCount, this.headSize])])],
      { attributes: { perm: [0, 2, 1, 3] } },
    );
    const [allQueries, keys, values] = graph.nodeWithOutputs(
      'Split',
      [split, graph.int64Constant([headCount, headCount, headCount])],
      {
        outputs: [
          `h.${index}/queries`,
          gpt2OutputNames.newKey(index),
          gpt2OutputNames.newValue(index),
        ],
        exactOutputs: true,
        attributes: { axis: 1 },
      },
    ) as [string, string, string];
    const queries = onlyLast ? this.keepLastPositions(allQueries, 2) : allQueries;
    const bias = onlyLast ? this.keepLastPositions(this.attentionBias, 2) : this.attentionBias;
    // q · kᵀ, without materializing kᵀ.
    const scores = (against: string, name: string) => {
      if (this.options.variant === 'optimized') {
        return graph.node('FusedMatMul', [queries, against], {
          domain: microsoft,
          name,
          attributes: { transA: 0, transB: 1, alpha: { float: 1 } },
        });
      }
      const transposed = graph.node('Transpose', [against], { attributes: { perm: [0, 1, 3, 2] } });
      return graph.node('MatMul', [queries, transposed], { name });
    };
    const joined = graph.node(
      'Concat',
      [scores(pastKey, 'past_scores'), scores(keys, 'new_scores')],
      { attributes: { axis: -1 } },
    );
    const masked = graph.node('Add', [joined, bias], { name: 'masked_scores' });
    const probabilities = graph.node('Softmax', [masked], { attributes: { axis: -1 } });
    const lastAxis = graph.int64Constant([-1]);
    const pastProbabilities = graph.node('Slice', [
      probabilities,
      graph.int64Constant([0]),
      this.pastLength,
      lastAxis,
    ]);
    const newProbabilities = graph.node('Slice', [
      probabilities,
      this.pastLength,
      graph.int64Constant([Number.MAX_SAFE_INTEGER]),
      lastAxis,
    ]);
    const weighted = graph.node(
      'Add',
      [
        graph.node('MatMul', [pastProbabilities, pastValue], { name: 'past_weighted_values' }),
        graph.node('MatMul', [newProbabilities, values], { name: 'new_weighted_values' }),
      ],
      { name: 'weighted_values' },
    );
    // [B, heads, S, head size] → [B, S, E]
    const sequenceFirst = graph.node('Transpose', [weighted], {
      attributes: { perm: [0, 2, 1, 3] },
    });
    return graph.node('Reshape', [sequenceFirst, graph.int64Constant([0, 0, size])], {
      name: 'merge_heads',
    });
  }

  /** The feed-forward network of one block: `c_proj(gelu(c_fc(x)))`, `[B, S, E]`. */
  private mlp(input: string, layer: Gpt2LayerWeights, index: number): string {
    const up = this.storage.linear(input, layer.feedForwardUp, `h.${index}.mlp.c_fc`);
    const activated = this.gelu(up, `h.${index}.mlp.act`);
    return this.storage.linear(activated, layer.feedForwardDown, `h.${index}.mlp.c_proj`);
  }

  /** GPT-2's `gelu_new` (tanh approximation), or the exact (erf) GELU when the config says `gelu`. */
  private gelu(input: string, name: string): string {
    const { graph } = this;
    const constant = (value: number) => graph.floatConstant([value], []);
    const tanhApproximation = (tanhApproximationActivations as readonly string[]).includes(
      this.config.activation,
    );
    if (this.useFusedGelu) {
      return graph.node(tanhApproximation ? 'FastGelu' : 'Gelu', [input], {
        domain: microsoft,
        name,
      });
    }
    const half = graph.node('Mul', [input, constant(0.5)]);
    if (tanhApproximation) {
      // 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
      const cube = graph.node('Mul', [graph.node('Mul', [input, input]), input]);
      const inner = graph.node('Add', [input, graph.node('Mul', [cube, constant(0.044715)])]);
      const tanh = graph.node('Tanh', [
        graph.node('Mul', [inner, constant(Math.sqrt(2 / Math.PI))]),
      ]);
      return graph.node('Mul', [half, graph.node('Add', [tanh, constant(1)])], { name });
    }
    // 0.5 · x · (1 + erf(x / √2))
    const erf = graph.node('Erf', [graph.node('Mul', [input, constant(Math.SQRT1_2)])]);
    return graph.node('Mul', [half, graph.node('Add', [erf, constant(1)])], { name });
  }
}

/**
 * `c_attn` with its query part (the first `size` output columns of the Conv1D weight `[in, 3·size]`
 * and of the bias) multiplied by `scale`.
 */
function scaleQueryColumns(linear: LinearWeights, size: number, scale: number): LinearWeights {
  if (scale === 1) return linear;
  const [inputs, outputs] = linear.weight.shape as [number, number];
  const weight = Float32Array.from(linear.weight.data);
  for (let row = 0; row < inputs; row++) {
    for (let column = 0; column < size; column++) weight[row * outputs + column]! *= scale;
  }
  const bias = Float32Array.from(linear.bias.data);
  for (let column = 0; column < size; column++) bias[column]! *= scale;
  return {
    weight: { shape: linear.weight.shape, data: weight },
    bias: { shape: linear.bias.shape, data: bias },
  };
}
