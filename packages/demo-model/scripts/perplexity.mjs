// Validation perplexity of the built demo model in every dtype, through @bg-gpt2/runtime
// (onnxruntime-node, `session.logitsAll`), next to the PyTorch figure of make-reference.py.
//
//   pnpm --filter @bg-gpt2/demo-model build
//   pnpm --filter @bg-gpt2/demo-model perplexity [-- fp32 q8]   # default: fp32 fp16 q8 int8 q4
//
// The validation stream (fixtures/validation-ids.bin: held-out documents only) is cut into
// consecutive windows of n_positions tokens, each scored on its own; perplexity =
// exp(sum of next-token NLL / predicted tokens). Exits 1 when fp32 differs from PyTorch by more
// than 1e-4 relative (they compute the same thing).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@bg-gpt2/runtime/node';

const packageFolder = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelFolder = join(packageFolder, 'dist', 'model');
const fixtures = join(packageFolder, 'fixtures');
const dtypes = process.argv.slice(2).filter((arg) => arg !== '--');
if (dtypes.length === 0) dtypes.push('fp32', 'fp16', 'q8', 'int8', 'q4');

const reference = JSON.parse(await readFile(join(fixtures, 'validation.json'), 'utf8'));
const bytes = await readFile(join(fixtures, 'validation-ids.bin'));
const ids = Array.from({ length: bytes.byteLength / 2 }, (_, index) =>
  bytes.readUInt16LE(index * 2),
);
const length = reference.window_length;
const windows = [];
for (let start = 0; start < ids.length - 1; start += length) {
  const window = ids.slice(start, start + length);
  if (window.length >= 2) windows.push(window);
}

function negativeLogLikelihood(logits, offset, vocabulary, target) {
  let largest = -Infinity;
  for (let index = 0; index < vocabulary; index++) {
    if (logits[offset + index] > largest) largest = logits[offset + index];
  }
  let sum = 0;
  for (let index = 0; index < vocabulary; index++)
    sum += Math.exp(logits[offset + index] - largest);
  return Math.log(sum) + largest - logits[offset + target];
}

const batchSize = 8;
const results = [];
for (const dtype of dtypes) {
  const model = await loadModel(modelFolder, { dtype, tokenizer: false });
  const vocabulary = model.config.vocabularySize;
  const started = performance.now();
  let total = 0;
  let count = 0;
  const session = model.createSession();
  for (let first = 0; first < windows.length; ) {
    // Full windows in batches; the shorter last window alone (no padding in the scored rows).
    const width = windows[first].length;
    const batch = [];
    while (first < windows.length && batch.length < batchSize && windows[first].length === width) {
      batch.push(windows[first++]);
    }
    const logits = await session.logitsAll(batch);
    batch.forEach((window, row) => {
      for (let position = 0; position < window.length - 1; position++) {
        const offset = (row * width + position) * vocabulary;
        total += negativeLogLikelihood(logits, offset, vocabulary, window[position + 1]);
        count++;
      }
    });
  }
  await session.dispose();
  await model.dispose();
  const seconds = (performance.now() - started) / 1000;
  results.push({ dtype, loss: total / count, perplexity: Math.exp(total / count), count, seconds });
}

console.log(
  `validation: ${windows.length} windows of ${length} tokens, ${reference.predicted_tokens} predicted tokens\n`,
);
console.log('| model | loss (nats/token) | perplexity | vs PyTorch fp32 | seconds |');
console.log('| --- | --- | --- | --- | --- |');
console.log(
  `| PyTorch fp32 (make-reference.py) | ${reference.loss.toFixed(5)} | ${reference.perplexity.toFixed(3)} | — | — |`,
);
let failed = false;
for (const result of results) {
  const ratio = result.perplexity / reference.perplexity;
  console.log(
    `| runtime ${result.dtype} | ${result.loss.toFixed(5)} | ${result.perplexity.toFixed(3)} | ` +
      `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(4)} % | ${result.seconds.toFixed(1)} |`,
  );
  if (result.count !== reference.predicted_tokens) failed = true;
  if (result.dtype === 'fp32' && Math.abs(ratio - 1) > 1e-4) failed = true;
}
if (failed) {
  console.error('\nfp32 through the runtime does not reproduce the PyTorch perplexity.');
  process.exit(1);
}
