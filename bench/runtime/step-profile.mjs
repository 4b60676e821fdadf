#!/usr/bin/env node
// step-profile.mjs — where a decode step's time goes, for one of our converted models
// (bench/.data/seed-shaped-bg-gpt2, made by run.mjs).
//
//   node bench/runtime/step-profile.mjs [--dtype q4] [--threads 2] [--prompt 8] [--steps 128]
//
// 1. Without profiling: ms per step, and the part of it inside ONNX Runtime's session.run (the
//    rest is the runtime's own work: feeds, the KV cache, logits).
// 2. With ONNX Runtime's profiler (`enableProfiling`, which slows every operator a little): the
//    kernel time per step by operator type, and the slowest single operators other than
//    MatMulNBits (median per step).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const folder = join(here, '..', '.data', 'seed-shaped-bg-gpt2');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const dtype = option('dtype', 'q4');
const threads = Number(option('threads', '2'));
const promptLength = Number(option('prompt', '8'));
const steps = Number(option('steps', '128'));
const prompt = Array.from({ length: promptLength }, (_, index) => (index * 7919 + 13) % 50000);
const { loadModel } = await import('@bg-gpt2/runtime/node');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function decode(model) {
  const session = model.createSession();
  await session.prefill(prompt);
  const started = performance.now();
  for (let step = 0; step < steps; step++) await session.step((step * 31 + 7) % 50000);
  const msPerStep = (performance.now() - started) / steps;
  await session.dispose();
  return msPerStep;
}

console.log(
  `${dtype}, ${threads} thread(s), ${steps} steps after ${promptLength} tokens; load ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ')}`,
);
{
  const model = await loadModel(folder, {
    dtype,
    tokenizer: false,
    sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  const inference = model.inferenceSession;
  const run = inference.run.bind(inference);
  let inRun = 0;
  inference.run = async (...parameters) => {
    const started = performance.now();
    try {
      return await run(...parameters);
    } finally {
      inRun += performance.now() - started;
    }
  };
  await decode(model); // warm-up
  for (let round = 1; round <= 3; round++) {
    inRun = 0;
    const msPerStep = await decode(model);
    const inside = inRun / steps;
    console.log(
      `round ${round}: ${msPerStep.toFixed(3)} ms/step, ${inside.toFixed(3)} inside session.run, ${(msPerStep - inside).toFixed(3)} outside`,
    );
  }
  await model.dispose();
}

const profileFolder = mkdtempSync(join(tmpdir(), 'bg-gpt2-profile-'));
{
  const model = await loadModel(folder, {
    dtype,
    tokenizer: false,
    sessionOptions: {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: join(profileFolder, 'step'),
    },
  });
  const msPerStep = await decode(model);
  await model.dispose(); // writes the profile
  console.log(`\nprofiled: ${msPerStep.toFixed(3)} ms/step`);
}
const [file] = readdirSync(profileFolder);
const events = JSON.parse(readFileSync(join(profileFolder, file), 'utf8'));
rmSync(profileFolder, { recursive: true, force: true });
const runs = events.filter((event) => event.cat === 'Session' && event.name === 'model_run');
// The last `steps` runs are the decode steps (before them: the prefill).
const firstStep = runs[runs.length - steps].ts;
const kernels = events.filter(
  (event) => event.cat === 'Node' && event.name.endsWith('_kernel_time') && event.ts >= firstStep,
);
const byType = new Map();
const byNode = new Map();
for (const event of kernels) {
  const type = event.args.op_name;
  byType.set(type, (byType.get(type) ?? 0) + event.dur);
  const key = `${type} ${event.name.slice(0, -'_kernel_time'.length)}`;
  if (!byNode.has(key)) byNode.set(key, []);
  byNode.get(key).push(event.dur);
}
const total = [...byType.values()].reduce((sum, value) => sum + value, 0);
const runTime = runs.slice(-steps).reduce((sum, event) => sum + event.dur, 0) / steps;
console.log(
  `session.run ${(runTime / 1000).toFixed(3)} ms/step, of it in kernels ${(total / steps / 1000).toFixed(3)}, operators per step ${kernels.length / steps}`,
);
console.log('\n| operator type | µs/step | share |\n| --- | --- | --- |');
for (const [type, value] of [...byType].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(
    `| ${type} | ${(value / steps).toFixed(0)} | ${((100 * value) / total).toFixed(1)} % |`,
  );
}
const small = [...byNode]
  .filter(([key]) => !key.startsWith('MatMulNBits '))
  .map(([key, durations]) => [key, median(durations)])
  .sort((a, b) => b[1] - a[1]);
const smallTotal = small.reduce((sum, [, value]) => sum + value, 0);
console.log(
  `\nother operators: ${small.length}, ${(smallTotal / 1000).toFixed(3)} ms/step (sum of medians); slowest:`,
);
for (const [key, value] of small.slice(0, 10)) console.log(`  ${value.toFixed(1)} µs  ${key}`);
