#!/usr/bin/env node
// onnx-variants.mjs — speed and accuracy of the ONNX models written by @bg-gpt2/convert,
// side by side in one run.
//
//   pnpm --filter @bg-gpt2/convert build
//   node bench/runtime/onnx-variants.mjs [--quick] [--steps N] [--rounds N] [--configs a,b,…]
//
// Model: the seed-shaped GPT-2 of tooling/gpt2-fixtures/make-seed-shaped.py
// (bench/.data/seed-shaped/, 6 layers, 768 wide, 12 heads, 50257 tokens, 1024 positions,
// random weights) when it is there, else the same shape with random weights made in memory
// (--random-weights forces that). Each configuration (fp32 plain, fp32 optimized, fp16, q8,
// q4 by default; `--help` lists the measurement variants, and `torch-export` is the
// torch.onnx.export baseline of the same weights, as transformers.js would load it) is
// converted once and written to bench/.data/seed-shaped-onnx/, then measured with
// onnxruntime-node on the CPU (intraOpNumThreads 2, graph optimization 'all'):
//   - prefill: one call with a 512-token prompt, num_logits_to_keep = 1 (median of rounds);
//   - decode: ms per generated token after an 8-token and after a 512-token prompt, the
//     present.* outputs fed back as past_key_values.* (median over all steps);
//   - accuracy: the first configuration's greedy continuation of an 8-token prompt (64 tokens)
//     is scored by every configuration: top-1 agreement, mean |Δ log-probability|, KL
//     divergence and the perplexity of the generated part.
// Method: rounds (default 4) go over all configurations in turn, each with a fresh session
// (only one alive at a time, so idle sessions' spinning threads do not steal the 2 cores),
// so that drifting machine load hits every configuration alike. The load average is printed
// before and after; quote it with the figures. Results also go to
// bench/.data/onnx-variants.json.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../..');
const CONVERT = join(ROOT, 'packages/convert');
const requireFromConvert = createRequire(join(CONVERT, 'package.json'));
const ort = requireFromConvert('onnxruntime-node');
const { convertGpt2ToOnnx, normalizeGpt2StateDict, readGpt2Config, readSafetensors } = await import(
  join(CONVERT, 'dist/index.js')
);
const SEED_SHAPED = join(ROOT, 'bench/.data/seed-shaped');

/**
 * The seed-shaped checkpoint of tooling/gpt2-fixtures/make-seed-shaped.py when it is there (the
 * torch-export baseline has the same weights), else random weights made here.
 */
function loadModel(choice) {
  const safetensors = join(SEED_SHAPED, 'model.safetensors');
  if (choice === 'random' || !existsSync(safetensors))
    return { ...seedShapedModel(), source: 'random, made in memory' };
  const config = readGpt2Config(readFileSync(join(SEED_SHAPED, 'config.json'), 'utf8'));
  const weights = normalizeGpt2StateDict(
    readSafetensors(new Uint8Array(readFileSync(safetensors))),
    config,
  );
  return { config, weights, source: 'bench/.data/seed-shaped/model.safetensors' };
}

/** Named configurations: dtype, variant and tuning knobs. */
const CONFIGS = {
  'fp32-plain': { dtype: 'fp32', variant: 'plain' },
  'fp32-optimized': { dtype: 'fp32', variant: 'optimized' },
  fp16: { dtype: 'fp16', variant: 'optimized' },
  q8: { dtype: 'q8', variant: 'optimized' },
  q4: { dtype: 'q4', variant: 'optimized' },
  // Measurement variants (not defaults).
  'fp32-opt-no-mha': { dtype: 'fp32', variant: 'optimized', tuning: { multiHeadAttention: false } },
  'fp32-opt-no-skipln': {
    dtype: 'fp32',
    variant: 'optimized',
    tuning: { skipLayerNormalization: false },
  },
  'fp32-opt-no-fusedgelu': { dtype: 'fp32', variant: 'optimized', tuning: { fusedGelu: false } },
  'fp32-opt-matmul-head': {
    dtype: 'fp32',
    variant: 'optimized',
    tuning: { outputProjection: 'MatMul' },
  },
  'q8-dqmm': { dtype: 'q8', variant: 'optimized', tuning: { int8Kernel: 'DynamicQuantizeMatMul' } },
  'q8-nbits128': { dtype: 'q8', variant: 'optimized', tuning: { int8BlockSize: 128 } },
  'q8-nbits256': { dtype: 'q8', variant: 'optimized', tuning: { int8BlockSize: 256 } },
  'q8-nbits32': { dtype: 'q8', variant: 'optimized', tuning: { int8BlockSize: 32 } },
  'q4-asym': { dtype: 'q4', variant: 'optimized', tuning: { asymmetric: true } },
  'q4-acc0': { dtype: 'q4', variant: 'optimized', tuning: { accuracyLevel: 0 } },
  'q4-acc1': { dtype: 'q4', variant: 'optimized', tuning: { accuracyLevel: 1 } },
  'q4-block64': { dtype: 'q4', variant: 'optimized', tuning: { int4BlockSize: 64 } },
  'q4-block128': { dtype: 'q4', variant: 'optimized', tuning: { int4BlockSize: 128 } },
  'q8-acc0': { dtype: 'q8', variant: 'optimized', tuning: { accuracyLevel: 0 } },
  'q4-emb16': { dtype: 'q4', variant: 'optimized', tuning: { embeddingLookup: 'float16' } },
  'q4-gather-quantized': {
    dtype: 'q4',
    variant: 'optimized',
    tuning: { embeddingLookup: 'GatherBlockQuantized' },
  },
  'q4-plain': { dtype: 'q4', variant: 'plain' },
  'q8-no-mha': { dtype: 'q8', variant: 'optimized', tuning: { multiHeadAttention: false } },
  'q4-no-mha': { dtype: 'q4', variant: 'optimized', tuning: { multiHeadAttention: false } },
  'q4-mha': { dtype: 'q4', variant: 'optimized', tuning: { multiHeadAttention: true } },
  'q8-mha': { dtype: 'q8', variant: 'optimized', tuning: { multiHeadAttention: true } },
  // Baseline: torch.onnx.export of the same shape (tooling/gpt2-fixtures), as transformers.js
  // would get it from Optimum; no num_logits_to_keep, lm_head as a second (transposed) copy.
  'torch-export': { external: 'bench/.data/seed-shaped-transformersjs/onnx/model.onnx' },
};
const DEFAULT_CONFIGS = ['fp32-plain', 'fp32-optimized', 'fp16', 'q8', 'q4'];

const USAGE = `Usage: node bench/runtime/onnx-variants.mjs [--quick] [--steps N] [--threads N] [--configs a,b]

  --steps N     decode steps after each prompt (default 128; --quick: 16)
  --threads N   intraOpNumThreads (default 2)
  --configs     comma-separated, from: ${Object.keys(CONFIGS).join(', ')}
                (default: ${DEFAULT_CONFIGS.join(', ')})
  --prompts     comma-separated prompt lengths for decode (default 8,512)
  --rounds N    rounds over all configurations (default 4; steps are split between them)
  --random-weights  random weights made in memory even when bench/.data/seed-shaped/ exists
  --no-quality  skip the logit comparison with the first configuration
  --no-spinning  ONNX Runtime's worker threads sleep instead of spinning between operators`;

function parseArguments(argv) {
  const options = {
    steps: 128,
    threads: 2,
    configs: DEFAULT_CONFIGS,
    prompts: [8, 512],
    prefill: 512,
    spinning: true,
    rounds: 4,
    quality: true,
    weights: 'auto',
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value\n${USAGE}`);
      return next;
    };
    if (argument === '--quick') {
      options.steps = 16;
      options.rounds = 2;
    } else if (argument === '--steps') options.steps = Number(value());
    else if (argument === '--threads') options.threads = Number(value());
    else if (argument === '--configs') options.configs = value().split(',');
    else if (argument === '--no-quality') options.quality = false;
    else if (argument === '--random-weights') options.weights = 'random';
    else if (argument === '--rounds') options.rounds = Number(value());
    else if (argument === '--no-spinning') options.spinning = false;
    else if (argument === '--prompts') options.prompts = value().split(',').map(Number);
    else if (argument === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`Unknown argument ${argument}\n${USAGE}`);
  }
  for (const name of options.configs)
    if (!CONFIGS[name]) throw new Error(`Unknown config ${name}\n${USAGE}`);
  return options;
}

/** Deterministic normal(0, scale) values (xorshift + Box–Muller). */
function randomNormal(count, scale, seed) {
  const values = new Float32Array(count);
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return (state + 0.5) / 4294967296;
  };
  for (let index = 0; index < count; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform())) * scale;
    const angle = 2 * Math.PI * uniform();
    values[index] = radius * Math.cos(angle);
    if (index + 1 < count) values[index + 1] = radius * Math.sin(angle);
  }
  return values;
}

/** A GPT-2 with the seed model's shape and random weights (GPT-2's initialization scales). */
export function seedShapedModel() {
  const config = {
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
  let seed = 1;
  const tensor = (shape, scale = 0.02) => ({
    shape,
    data: randomNormal(
      shape.reduce((a, b) => a * b, 1),
      scale,
      seed++ * 7919,
    ),
  });
  const ones = (size) => ({ shape: [size], data: new Float32Array(size).fill(1) });
  const E = config.embeddingSize;
  const norm = () => ({ weight: ones(E), bias: tensor([E], 0.01) });
  const linear = (inputs, outputs) => ({
    weight: tensor([inputs, outputs]),
    bias: tensor([outputs], 0.01),
  });
  const weights = {
    tokenEmbedding: tensor([config.vocabularySize, E]),
    positionEmbedding: tensor([config.contextLength, E], 0.01),
    layers: Array.from({ length: config.layerCount }, () => ({
      layerNorm1: norm(),
      attentionQkv: linear(E, 3 * E),
      attentionProjection: linear(E, E),
      layerNorm2: norm(),
      feedForwardUp: linear(E, 4 * E),
      feedForwardDown: linear(4 * E, E),
    })),
    finalLayerNorm: norm(),
    languageModelHead: undefined,
  };
  return { config, weights };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

/** Feeds of one call: ids `[1, n]` at positions `start…`, a past of `past` positions. */
function feeds(config, ids, start, cache, keep, inputNames) {
  const n = ids.length;
  const total = start + n;
  const int64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
  const result = {
    input_ids: int64(ids, [1, n]),
    attention_mask: int64(new Array(total).fill(1), [1, total]),
    position_ids: int64(
      Array.from({ length: n }, (_, index) => start + index),
      [1, n],
    ),
  };
  if (!inputNames || inputNames.includes('num_logits_to_keep')) {
    result.num_logits_to_keep = int64([keep], []);
  }
  const headSize = config.embeddingSize / config.headCount;
  for (let layer = 0; layer < config.layerCount; layer++) {
    for (const kind of ['key', 'value']) {
      result[`past_key_values.${layer}.${kind}`] =
        cache?.[`present.${layer}.${kind}`] ??
        new ort.Tensor('float32', new Float32Array(0), [1, config.headCount, 0, headSize]);
    }
  }
  return result;
}

const promptIds = (length) => Array.from({ length }, (_, index) => (index * 7919 + 13) % 50000);

/**
 * One round for one configuration: a fresh session (one at a time, so that idle sessions'
 * spinning worker threads do not steal the cores), a warm-up, one timed prefill, then
 * `steps` timed decode steps after each prompt length.
 */
async function measureRound(entry, config, options, steps) {
  const session = await ort.InferenceSession.create(entry.path, sessionOptions(options));
  try {
    await session.run(
      feeds(config, promptIds(options.prefill), 0, undefined, 1, session.inputNames),
    );
    const start = now();
    await session.run(
      feeds(config, promptIds(options.prefill), 0, undefined, 1, session.inputNames),
    );
    entry.times.prefill.push(now() - start);
    for (const promptLength of options.prompts) {
      let outputs = await session.run(
        feeds(config, promptIds(promptLength), 0, undefined, 1, session.inputNames),
      );
      let token = 42;
      for (let step = 0; step < steps; step++) {
        const stepStart = now();
        const next = await session.run(
          feeds(config, [token], promptLength + step, outputs, 0, session.inputNames),
        );
        entry.times[`decode${promptLength}`].push(now() - stepStart);
        outputs = next;
        token = (token * 31 + 7) % 50000;
      }
    }
  } finally {
    await session.release();
  }
}

/**
 * The reference configuration's own greedy continuation of an 8-token prompt (64 tokens in
 * all): a sequence the model finds likely, for perplexity comparisons.
 */
async function greedySequence(entry, config, options) {
  const session = await ort.InferenceSession.create(entry.path, sessionOptions(options));
  try {
    const ids = promptIds(8);
    let outputs = await session.run(feeds(config, ids, 0, undefined, 1, session.inputNames));
    while (ids.length < 64) {
      const logits = outputs.logits.data;
      const last = logits.length - config.vocabularySize;
      let best = 0;
      for (let token = 1; token < config.vocabularySize; token++) {
        if (logits[last + token] > logits[last + best]) best = token;
      }
      ids.push(best);
      outputs = await session.run(
        feeds(config, [best], ids.length - 1, outputs, 0, session.inputNames),
      );
    }
    return ids;
  } finally {
    await session.release();
  }
}

/** Logits of every position of `ids` (one prefill call). */
async function sequenceLogits(entry, config, options, ids) {
  const session = await ort.InferenceSession.create(entry.path, sessionOptions(options));
  try {
    const outputs = await session.run(feeds(config, ids, 0, undefined, 0, session.inputNames));
    return { ids, logits: outputs.logits.data, vocabulary: config.vocabularySize };
  } finally {
    await session.release();
  }
}

function logSoftmaxRow(logits, offset, size) {
  let maximum = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < size; index++) maximum = Math.max(maximum, logits[offset + index]);
  let sum = 0;
  for (let index = 0; index < size; index++) sum += Math.exp(logits[offset + index] - maximum);
  const logSum = maximum + Math.log(sum);
  const result = new Float64Array(size);
  for (let index = 0; index < size; index++) result[index] = logits[offset + index] - logSum;
  return result;
}

function compareWithReference(reference, actual) {
  const { vocabulary, ids } = reference;
  const positions = ids.length;
  let agreements = 0;
  let absoluteChange = 0;
  let divergence = 0;
  let referenceLoss = 0;
  let loss = 0;
  for (let position = 0; position < positions; position++) {
    const expected = logSoftmaxRow(reference.logits, position * vocabulary, vocabulary);
    const got = logSoftmaxRow(actual.logits, position * vocabulary, vocabulary);
    let bestExpected = 0;
    let bestGot = 0;
    for (let token = 0; token < vocabulary; token++) {
      if (expected[token] > expected[bestExpected]) bestExpected = token;
      if (got[token] > got[bestGot]) bestGot = token;
      absoluteChange += Math.abs(expected[token] - got[token]);
      divergence += Math.exp(expected[token]) * (expected[token] - got[token]);
    }
    if (bestExpected === bestGot) agreements++;
    // Perplexity of the generated part (after the 8-token prompt).
    if (position >= 7 && position + 1 < positions) {
      referenceLoss -= expected[ids[position + 1]];
      loss -= got[ids[position + 1]];
    }
  }
  return {
    topOneAgreement: agreements / positions,
    meanAbsoluteLogProbabilityChange: absoluteChange / (positions * vocabulary),
    meanKullbackLeibler: divergence / positions,
    referencePerplexity: Math.exp(referenceLoss / (positions - 8)),
    perplexity: Math.exp(loss / (positions - 8)),
  };
}

function sessionOptions(options) {
  return {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const { config, weights, source } = loadModel(options.weights);
  const machine = `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, Node ${process.version}, onnxruntime-node ${ort.env.versions?.node ?? '?'}`;
  console.log(`Machine: ${machine}`);
  console.log(`Weights: ${source}`);
  const loadBefore = loadAverage();
  console.log(
    `Load average before: ${loadBefore}  (threads ${options.threads}, steps ${options.steps})\n`,
  );
  const directory = join(ROOT, 'bench/.data/seed-shaped-onnx');
  mkdirSync(directory, { recursive: true });
  const entries = [];
  for (const name of options.configs) {
    const spec = CONFIGS[name];
    if (spec.external) {
      const path = join(ROOT, spec.external);
      if (!existsSync(path)) {
        console.log(
          `${name.padEnd(22)} skipped: ${spec.external} is missing (tooling/gpt2-fixtures)`,
        );
        continue;
      }
      const times = { prefill: [] };
      for (const promptLength of options.prompts) times[`decode${promptLength}`] = [];
      entries.push({ name, spec, path, bytes: statSync(path).size, convertMs: 0, times });
      continue;
    }
    const convertStart = now();
    const model = convertGpt2ToOnnx(weights, config, spec);
    const path = join(directory, `${name}.onnx`);
    writeFileSync(path, model.toBytes());
    const convertMs = now() - convertStart;
    const times = { prefill: [] };
    for (const promptLength of options.prompts) times[`decode${promptLength}`] = [];
    entries.push({ name, spec, path, bytes: model.metadata.byteLength, convertMs, times });
    console.log(
      `${name.padEnd(22)} ${(model.metadata.byteLength / 1e6).toFixed(1)} MB, converted and written in ${convertMs.toFixed(0)} ms`,
    );
  }
  // Rounds: every configuration in turn, so that drifting load hits all of them alike.
  const stepsPerRound = Math.ceil(options.steps / options.rounds);
  for (let round = 0; round < options.rounds; round++) {
    for (const entry of entries) await measureRound(entry, config, options, stepsPerRound);
    console.log(`round ${round + 1}/${options.rounds} done, load ${loadAverage()}`);
  }
  if (options.quality) {
    const ids = await greedySequence(entries[0], config, options);
    const reference = await sequenceLogits(entries[0], config, options, ids);
    for (const entry of entries) {
      entry.quality = compareWithReference(
        reference,
        await sequenceLogits(entry, config, options, ids),
      );
    }
  }
  for (const entry of entries) {
    entry.figures = { prefillMs: median(entry.times.prefill) };
    for (const promptLength of options.prompts) {
      const times = entry.times[`decode${promptLength}`];
      entry.figures[`decodeAfter${promptLength}`] = {
        medianMs: median(times),
        meanMs: times.reduce((a, b) => a + b, 0) / times.length,
        minMs: Math.min(...times),
      };
    }
  }
  const loadAfter = loadAverage();
  console.log(`\nLoad average after: ${loadAfter}\n`);
  const header = [
    'config',
    'file MB',
    ...options.prompts.map((p) => `ms/token after ${p}`),
    `prefill ${options.prefill} ms`,
    ...(options.quality
      ? [`top-1 vs ${entries[0].name}`, 'mean |Δlogprob|', 'KL (nats)', 'perplexity']
      : []),
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const entry of entries) {
    const cells = [
      entry.name,
      (entry.bytes / 1e6).toFixed(1),
      ...options.prompts.map((p) => entry.figures[`decodeAfter${p}`].medianMs.toFixed(2)),
      entry.figures.prefillMs.toFixed(0),
      ...(entry.quality
        ? [
            `${(100 * entry.quality.topOneAgreement).toFixed(1)}%`,
            entry.quality.meanAbsoluteLogProbabilityChange.toExponential(1),
            entry.quality.meanKullbackLeibler.toExponential(1),
            entry.quality.perplexity.toFixed(2),
          ]
        : []),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log(`\n(median per step; load average ${loadBefore} before, ${loadAfter} after)`);
  mkdirSync(join(ROOT, 'bench/.data'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench/.data/onnx-variants.json'),
    `${JSON.stringify(
      {
        machine,
        weights: source,
        date: new Date().toISOString(),
        options,
        loadBefore,
        loadAfter,
        rows: entries,
      },
      null,
      2,
    )}\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
