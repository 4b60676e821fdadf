// Side-by-side generation benchmark: @bg-gpt2/runtime against transformers.js v4 on a model of
// exactly the seed's shape (6 layers, 768 wide, 12 heads, vocab 50257, random weights), 2 threads,
// 128 new tokens after an 8-token and a 512-token prompt. Each measurement runs in a fresh
// process (its own load time and peak RSS); configurations are interleaved round by round; a run
// during which other processes used the CPU is detected (from /proc/stat) and repeated.
//
//   node bench/runtime/run.mjs [--rounds N] [--new-tokens N] [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const data = join(root, 'bench', '.data');
const checkpoint = join(data, 'seed-shaped');
const transformersJsFolder = join(data, 'seed-shaped-transformersjs');
const oursFolder = join(data, 'seed-shaped-bg-gpt2');
const worker = join(here, 'generation-worker.mjs');
const cli = join(root, 'apps', 'cli', 'dist', 'main.js');

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? Number(argv[index + 1]) : fallback;
};
const quick = argv.includes('--quick');
const rounds = quick ? 1 : flag('rounds', 2);
const newTokens = quick ? 16 : flag('new-tokens', 128);
const prompts = [8, 512];
/** Memory-bandwidth floor (ms/token): the weights read once per token at ~30 GB/s. */
const floor = { fp32: 9.5, fp16: 9.5, q8: 2.4, int8: 2.4, q4: 1.5 };

function fail(message) {
  console.error(`bench/runtime: ${message}`);
  process.exit(1);
}

if (!existsSync(join(checkpoint, 'pytorch_model.bin'))) {
  fail('no seed-shaped checkpoint; run /usr/bin/python3 tooling/gpt2-fixtures/make-seed-shaped.py');
}
if (!existsSync(join(transformersJsFolder, 'onnx', 'model.onnx'))) {
  fail(
    'no transformers.js export; run /usr/bin/python3 tooling/gpt2-fixtures/export-onnx.py ' +
      'bench/.data/seed-shaped bench/.data/seed-shaped-transformersjs/onnx/model.onnx ' +
      '&& cp bench/.data/seed-shaped/config.json bench/.data/seed-shaped-transformersjs/',
  );
}
if (!existsSync(join(transformersJsFolder, 'onnx', 'model_quantized.onnx'))) {
  fail(
    'no transformers.js q8 model; run /usr/bin/python3 tooling/gpt2-fixtures/quantize-dynamic.py ' +
      'bench/.data/seed-shaped-transformersjs/onnx/model.onnx ' +
      'bench/.data/seed-shaped-transformersjs/onnx/model_quantized.onnx ' +
      "(onnxruntime's quantize_dynamic with transformers.js's settings for GPT-2)",
  );
}
if (!existsSync(join(transformersJsFolder, 'onnx', 'model_q4.onnx'))) {
  fail(
    'no transformers.js q4 model; run /usr/bin/python3 tooling/gpt2-fixtures/quantize-matmul-4bits.py ' +
      'bench/.data/seed-shaped-transformersjs/onnx/model.onnx ' +
      'bench/.data/seed-shaped-transformersjs/onnx/model_q4.onnx --accuracy-level 4 ' +
      "(onnxruntime's MatMul4BitsQuantizer with transformers.js's q4 settings, accuracy level 4)",
  );
}
if (!existsSync(cli)) fail('build first: pnpm build');

// Our model files, converted by our own CLI (again whenever the converter was rebuilt).
const converterBuilt = statSync(join(root, 'packages', 'convert', 'dist', 'index.js')).mtimeMs;
mkdirSync(oursFolder, { recursive: true });
// (int8 is for the browser: bench/widget runs it.)
const ourFiles = {
  fp32: 'model.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  q4: 'model_q4.onnx',
};
for (const [dtype, name] of Object.entries(ourFiles)) {
  const file = join(oursFolder, name);
  if (existsSync(file) && statSync(file).mtimeMs > converterBuilt) continue;
  console.error(`converting the seed-shaped checkpoint to ${dtype} …`);
  execFileSync(
    process.execPath,
    [cli, 'convert', checkpoint, '--out', oursFolder, '--dtype', dtype, '--kv-layout', 'new'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

const configurations = [
  { engine: 'transformers.js', dtype: 'fp32', folder: transformersJsFolder },
  { engine: 'transformers.js', dtype: 'q8', folder: transformersJsFolder },
  // The plain onnxruntime int4 model: 4-bit MatMulNBits in blocks of 32 on every MatMul by a
  // weight (transformers.js's q4), with accuracy level 4 like ours — the same kernel. (The
  // file transformers.js ships leaves the level unset: a slower float path, not the reference.)
  { engine: 'transformers.js', dtype: 'q4', folder: transformersJsFolder },
  { engine: 'bg-gpt2', dtype: 'fp32', folder: oursFolder },
  { engine: 'bg-gpt2', dtype: 'q8', folder: oursFolder },
  { engine: 'bg-gpt2', dtype: 'q4', folder: oursFolder },
  // Per-channel int8 by DynamicQuantizeMatMul (the browser's default): the same kind of
  // quantization as transformers.js's q8, and on some CPUs faster than MatMulNBits in Node.
  { engine: 'bg-gpt2', dtype: 'int8', folder: oursFolder },
];

/**
 * User-space CPU jiffies of the whole machine (user + nice). Kernel time is left out: kernel
 * threads (page reclaim, writeback) run during any large file load and are not a competing
 * program.
 */
function cpuTimes() {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: fields[0] + fields[1] };
}

/**
 * Waits (up to a minute) until the machine has been idle for a second: at most 5 % of one core
 * of user time. (The load average is no guide here: it still counts our own previous run.)
 */
async function waitForQuiet() {
  for (let attempt = 0; attempt < 60; attempt++) {
    const before = cpuTimes();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (cpuTimes().busy - before.busy <= 5) return;
  }
}

/** One measurement in a fresh process; repeated (up to 3 times) when others used the CPU. */
async function measure(configuration, promptLength) {
  for (let attempt = 1; ; attempt++) {
    await waitForQuiet();
    const before = cpuTimes();
    const started = process.hrtime.bigint();
    const child = spawnSync(
      process.execPath,
      [
        worker,
        configuration.engine,
        configuration.folder,
        configuration.dtype,
        String(promptLength),
        String(newTokens),
      ],
      { encoding: 'utf8', cwd: here },
    );
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = cpuTimes();
    if (child.status !== 0)
      fail(`${configuration.engine} ${configuration.dtype} failed:\n${child.stderr}`);
    const result = JSON.parse(child.stdout.trim().split('\n').pop());
    // Jiffies are 1/100 s. User time beyond what the child itself used came from others.
    const machineSeconds = (after.busy - before.busy) / 100;
    const foreign = machineSeconds - result.userCpuSeconds;
    const disturbed = foreign > 0.1 * wallSeconds + 0.3;
    if (!disturbed || attempt >= 3) return { ...result, disturbed, foreignCpuSeconds: foreign };
    console.error(`  (disturbed: ${foreign.toFixed(1)} s of others' CPU — repeating)`);
  }
}

console.error(
  `machine: ${cpus()[0]?.model} ×${cpus().length}, load ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ')}`,
);
const results = [];
for (let round = 1; round <= rounds; round++) {
  for (const promptLength of prompts) {
    for (const configuration of configurations) {
      const result = await measure(configuration, promptLength);
      console.error(
        `round ${round} ${configuration.engine} ${configuration.dtype} prompt ${promptLength}: ` +
          `${result.msPerToken.toFixed(2)} ms/token, prefill ${result.prefillMs.toFixed(0)} ms` +
          `${result.disturbed ? ' (DISTURBED)' : ''}`,
      );
      results.push({ round, ...result });
    }
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const pick = (engine, dtype, promptLength) =>
  results.filter(
    (row) => row.engine === engine && row.dtype === dtype && row.promptLength === promptLength,
  );
const rows = [];
for (const configuration of configurations) {
  const row = { engine: configuration.engine, dtype: configuration.dtype };
  for (const promptLength of prompts) {
    const runs = pick(configuration.engine, configuration.dtype, promptLength);
    row[`ms${promptLength}`] = median(runs.map((run) => run.msPerToken));
    row[`prefill${promptLength}`] = median(runs.map((run) => run.prefillMs));
    row.loadMs = median(runs.map((run) => run.loadMs));
    row.peakRssMb = Math.max(...runs.map((run) => run.peakRssMb));
    row.disturbed = (row.disturbed ?? false) || runs.some((run) => run.disturbed);
  }
  rows.push(row);
}
const transformersJs = (dtype) =>
  rows.find((row) => row.engine === 'transformers.js' && row.dtype === dtype);
/**
 * Each round's ratio of `row` to transformers.js with `dtype` at `promptLength` (the rounds are
 * interleaved, so a round's two runs share the machine's state: a slow stretch of a shared
 * machine cancels out); empty without a reference.
 */
const pairedRatios = (row, dtype, promptLength) => {
  if (transformersJs(dtype) === undefined) return [];
  const theirs = pick('transformers.js', dtype, promptLength);
  return pick(row.engine, row.dtype, promptLength)
    .map((run) => {
      const reference = theirs.find((other) => other.round === run.round);
      return reference ? run.msPerToken / reference.msPerToken : undefined;
    })
    .filter((value) => value !== undefined);
};
/** The median of {@link pairedRatios}, `undefined` without a reference. */
const ratio = (row, dtype, promptLength) => {
  const paired = pairedRatios(row, dtype, promptLength);
  return paired.length > 0 ? median(paired) : undefined;
};
const format = (value) => (value === undefined ? '—' : `${value.toFixed(2)}x`);
/** transformers.js's dtype with the same kind of weights as `row` (int8: its q8). */
const sameWeights = (row) => (row.dtype === 'int8' ? 'q8' : row.dtype);
// Ratio to transformers.js with the same weight type (q8 and int8: its quantize_dynamic model).
const sameDtype = (row, key) => format(ratio(row, sameWeights(row), Number(key.slice(2))));
const toFp32 = (row, key) => format(ratio(row, 'fp32', Number(key.slice(2))));
console.log(
  `\n${newTokens} new tokens, 2 threads, ${rounds} round(s), medians (ratios: medians of the per-round ratios); floor = weights read once per token\n`,
);
console.log(
  '| engine | dtype | ms/token (8) | vs tjs fp32 | vs tjs same dtype | ms/token (512) | vs tjs fp32 | vs tjs same dtype | vs floor (8) | prefill 512 ms | load ms | peak RSS MB |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  console.log(
    `| ${row.engine} | ${row.dtype} | ${row.ms8.toFixed(2)} | ${toFp32(row, 'ms8')} | ${sameDtype(row, 'ms8')} | ` +
      `${row.ms512.toFixed(2)} | ${toFp32(row, 'ms512')} | ${sameDtype(row, 'ms512')} | ${(row.ms8 / floor[row.dtype]).toFixed(2)}x | ` +
      `${row.prefill512.toFixed(0)} | ${row.loadMs.toFixed(0)} | ${row.peakRssMb.toFixed(0)}${row.disturbed ? ' (disturbed)' : ''} |`,
  );
}
// The spread behind each ratio: a shared machine moves by more than the engines differ.
console.log(
  '\nPer round (bg-gpt2 / transformers.js with the same weight type, int8: its q8; without one: fp32):',
);
for (const row of rows.filter((candidate) => candidate.engine === 'bg-gpt2')) {
  const spread = prompts.map(
    (promptLength) =>
      `after ${promptLength}: ${pairedRatios(
        row,
        transformersJs(sameWeights(row)) ? sameWeights(row) : 'fp32',
        promptLength,
      )
        .map((value) => value.toFixed(2))
        .join(', ')}`,
  );
  console.log(`  ${row.dtype}: ${spread.join('; ')}`);
}
writeFileSync(
  join(data, 'runtime-results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rounds, newTokens, rows, results }, null, 2)}\n`,
);
