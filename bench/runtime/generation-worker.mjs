// One measurement in a fresh process (so load time and peak RSS are its own):
//   node generation-worker.mjs <engine> <model folder> <dtype> <prompt tokens> <new tokens>
// engine: "bg-gpt2" (our runtime) or "transformers.js". Prints one JSON line.
import { performance } from 'node:perf_hooks';

const [engine, folder, dtype, promptText, newText] = process.argv.slice(2);
const promptLength = Number(promptText);
const newTokens = Number(newText);
const threads = 2;
// A fixed prompt of token ids (the model has random weights: values do not change the speed).
const prompt = Array.from({ length: promptLength }, (_, index) => (index * 7919 + 13) % 50000);

function argmax(values, offset, length) {
  let best = 0;
  let bestValue = -Infinity;
  for (let index = 0; index < length; index++) {
    const value = values[offset + index];
    if (value > bestValue) {
      bestValue = value;
      best = index;
    }
  }
  return best;
}

/** Prefills measured per process (after a warm-up prefill of the same prompt); the median. */
const prefillRuns = 3;

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function ours() {
  const { loadModel } = await import('@bg-gpt2/runtime/node');
  const started = performance.now();
  const model = await loadModel(folder, {
    dtype,
    tokenizer: false,
    sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  const loadMs = performance.now() - started;
  const vocabulary = model.config.vocabularySize;
  // Warm-up (first runs allocate: a short and a full-length prompt), then the measured runs.
  let session = model.createSession();
  let logits = await session.prefill(prompt.slice(0, 8));
  for (let step = 0; step < 4; step++) logits = await session.step(argmax(logits, 0, vocabulary));
  await session.dispose();
  const prefills = [];
  for (let run = 0; run < prefillRuns + 1; run++) {
    session = model.createSession();
    const prefillStarted = performance.now();
    logits = await session.prefill(prompt);
    if (run > 0) prefills.push(performance.now() - prefillStarted);
    if (run < prefillRuns) await session.dispose();
  }
  const prefillMs = median(prefills);
  const stepsStarted = performance.now();
  for (let step = 0; step < newTokens; step++)
    logits = await session.step(argmax(logits, 0, vocabulary));
  const msPerToken = (performance.now() - stepsStarted) / newTokens;
  await session.dispose();
  await model.dispose();
  return { loadMs, prefillMs, msPerToken };
}

async function transformersJs() {
  const { AutoModelForCausalLM, env, Tensor } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = `${folder}/..`;
  const name = folder.split('/').filter(Boolean).pop();
  const started = performance.now();
  const model = await AutoModelForCausalLM.from_pretrained(name, {
    dtype,
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  const loadMs = performance.now() - started;
  const input = (ids) => new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
  const generate = (ids, count) =>
    model.generate({
      inputs: input(ids),
      max_new_tokens: count,
      min_new_tokens: count,
      do_sample: false,
    });
  await generate(prompt.slice(0, 8), 4);
  // Prefill ≈ generating one token; each further token is one cached step. A warm-up run of the
  // full prompt first, as for ours.
  const prefills = [];
  for (let run = 0; run < prefillRuns + 1; run++) {
    const prefillStarted = performance.now();
    await generate(prompt, 1);
    if (run > 0) prefills.push(performance.now() - prefillStarted);
  }
  const prefillMs = median(prefills);
  const fullStarted = performance.now();
  await generate(prompt, newTokens + 1);
  const msPerToken = (performance.now() - fullStarted - prefillMs) / newTokens;
  await model.dispose();
  return { loadMs, prefillMs, msPerToken };
}

const result = engine === 'transformers.js' ? await transformersJs() : await ours();
const usage = process.resourceUsage();
const peakRssMb = usage.maxRSS / 1024;
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
const userCpuSeconds = usage.userCPUTime / 1e6;
process.stdout.write(
  `${JSON.stringify({ engine, dtype, promptLength, newTokens, ...result, peakRssMb, cpuSeconds, userCpuSeconds })}\n`,
);
