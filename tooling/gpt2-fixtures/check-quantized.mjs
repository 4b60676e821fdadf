// check-quantized.mjs — loads a transformers.js model folder in transformers.js (the copy the
// benchmarks use, bench/node_modules) twice, as dtype 'fp32' (onnx/model.onnx) and 'q8'
// (onnx/model_quantized.onnx, from quantize-dynamic.py) or 'q4' (onnx/model_q4.onnx, from
// quantize-matmul-4bits.py), runs a 64-token prompt through both and compares the logits of
// every position: top-1 agreement, max and mean |Δ logit|, mean KL divergence of the softmaxes.
// Fails (exit 1) when the quantized model does not load or run, or when q8 agrees on fewer than
// 80 % of the top-1 tokens / q4's mean KL exceeds 0.05 nats (on random weights the logits are
// nearly flat, so 4-bit noise reorders the top tokens: KL is the measure there).
//
// How (from the repo root, after quantize-dynamic.py / quantize-matmul-4bits.py):
//   node tooling/gpt2-fixtures/check-quantized.mjs [folder] [--dtype q8|q4]
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const argv = process.argv.slice(2);
const dtypeIndex = argv.indexOf('--dtype');
const dtype = dtypeIndex >= 0 ? argv.splice(dtypeIndex, 2)[1] : 'q8';
if (dtype !== 'q8' && dtype !== 'q4') throw new Error(`--dtype must be q8 or q4, not ${dtype}`);
const folder = resolve(argv[0] ?? join(repo, 'bench/.data/seed-shaped-transformersjs'));
const require = createRequire(join(repo, 'bench', 'package.json'));
const { AutoModelForCausalLM, Tensor, env } = await import(
  pathToFileURL(require.resolve('@huggingface/transformers')).href
);
env.allowRemoteModels = false;
env.localModelPath = `${dirname(folder)}/`;

const promptLength = 64;
const ids = Array.from({ length: promptLength }, (_, index) => (index * 7919 + 13) % 50000);

async function logits(dtype) {
  const model = await AutoModelForCausalLM.from_pretrained(basename(folder), {
    dtype,
    device: 'cpu',
  });
  const input = (values) =>
    new Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const output = await model({
    input_ids: input(ids),
    attention_mask: input(ids.map(() => 1)),
  });
  const data = Float32Array.from(output.logits.data);
  const dims = output.logits.dims;
  await model.dispose();
  return { data, vocabulary: dims[2] };
}

function logSoftmax(values, offset, size) {
  let maximum = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < size; index++) maximum = Math.max(maximum, values[offset + index]);
  let sum = 0;
  for (let index = 0; index < size; index++) sum += Math.exp(values[offset + index] - maximum);
  const logSum = maximum + Math.log(sum);
  return Float64Array.from({ length: size }, (_, index) => values[offset + index] - logSum);
}

const reference = await logits('fp32');
const quantized = await logits(dtype);
const { vocabulary } = reference;
let agreements = 0;
let largest = 0;
let total = 0;
let divergence = 0;
for (let position = 0; position < promptLength; position++) {
  const offset = position * vocabulary;
  let bestReference = 0;
  let bestQuantized = 0;
  for (let token = 0; token < vocabulary; token++) {
    const difference = Math.abs(reference.data[offset + token] - quantized.data[offset + token]);
    largest = Math.max(largest, difference);
    total += difference;
    if (reference.data[offset + token] > reference.data[offset + bestReference])
      bestReference = token;
    if (quantized.data[offset + token] > quantized.data[offset + bestQuantized])
      bestQuantized = token;
  }
  if (bestReference === bestQuantized) agreements++;
  const expected = logSoftmax(reference.data, offset, vocabulary);
  const got = logSoftmax(quantized.data, offset, vocabulary);
  for (let token = 0; token < vocabulary; token++) {
    divergence += Math.exp(expected[token]) * (expected[token] - got[token]);
  }
}
const agreement = agreements / promptLength;
console.log(
  `${folder}: ${dtype} vs fp32 over ${promptLength} positions — top-1 agreement ${(100 * agreement).toFixed(1)} %, ` +
    `max |Δ logit| ${largest.toFixed(4)}, mean |Δ logit| ${(total / (promptLength * vocabulary)).toExponential(2)}, ` +
    `mean KL ${(divergence / promptLength).toExponential(2)} nats`,
);
const meanDivergence = divergence / promptLength;
if (dtype === 'q8' && agreement < 0.8) {
  console.error(
    'q8 disagrees with fp32 on more than 20 % of the positions: check the quantization',
  );
  process.exit(1);
}
if (dtype === 'q4' && !(meanDivergence <= 0.05)) {
  console.error('q4 is more than 0.05 nats (mean KL) from fp32: check the quantization');
  process.exit(1);
}
