#!/usr/bin/env node
// ab.mjs — A/B of graph and session variants through @bg-gpt2/runtime (the runtime's own KV
// layout, `new_key_values.*` appended in place), for development decisions.
//
//   pnpm --filter @bg-gpt2/convert --filter @bg-gpt2/runtime build
//   node bench/runtime/ab.mjs --variants q4,q4-mha [--threads 1] [--rounds 6] [--steps 128]
//                             [--prompts 8,512]
//
// Each variant is converted once from the seed-shaped checkpoint (bench/.data/seed-shaped,
// tooling/gpt2-fixtures/make-seed-shaped.py) into bench/.data/ab/<variant>/ (again whenever the
// converter was rebuilt). Each measurement is a fresh process: load, warm up (8-token prompt, 4
// steps, then the prompt), then `steps` greedy steps after the prompt, timed by the wall clock
// and by the process's CPU time (user + system), which time-slicing by other programs on the
// shared 2 cores does not inflate — with 1 intra-op thread it is the figure to decide by.
// Variants are interleaved round by round; the table gives medians over rounds and the median of
// the per-round ratios to the first variant.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const data = join(root, 'bench', '.data');
const checkpoint = join(data, 'seed-shaped');
const convertPackage = join(root, 'packages', 'convert');

/**
 * Named variants: the converter's options (dtype, tuning) and extra ONNX Runtime session
 * options. `q4`, `q8`, `fp32` are the defaults the runtime converts to.
 */
const variants = {
  fp32: { dtype: 'fp32' },
  q8: { dtype: 'q8' },
  int8: { dtype: 'int8' },
  'q8-b128': { dtype: 'q8', tuning: { int8BlockSize: 128 } },
  q4: { dtype: 'q4' },
  'fp32-no-mha': { dtype: 'fp32', tuning: { multiHeadAttention: false } },
  'fp32-matmul-head': { dtype: 'fp32', tuning: { outputProjection: 'MatMul' } },
  'q4-mha': { dtype: 'q4', tuning: { multiHeadAttention: true } },
  'q4-asym': { dtype: 'q4', tuning: { asymmetric: true } },
  'q4-emb16': { dtype: 'q4', tuning: { embeddingLookup: 'float16' } },
  'q4-gather-quantized': { dtype: 'q4', tuning: { embeddingLookup: 'GatherBlockQuantized' } },
  'q4-no-spinning': {
    dtype: 'q4',
    session: { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  },
  'q4-worker-pinned': {
    dtype: 'q4',
    session: { extra: { session: { intra_op_thread_affinities: '2' } } },
  },
  'q4-extended': { dtype: 'q4', session: { graphOptimizationLevel: 'extended' } },
  'fp32-no-spinning': {
    dtype: 'fp32',
    session: { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  },
};

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};

if (argv[0] === '--worker') await worker(JSON.parse(argv[1]));
else await main();

async function main() {
  const names = option('variants', 'q4,q4-mha').split(',');
  const threads = Number(option('threads', '1'));
  const rounds = Number(option('rounds', '6'));
  const steps = Number(option('steps', '128'));
  const prompts = option('prompts', '8,512').split(',').map(Number);
  for (const name of names) if (!variants[name]) throw new Error(`unknown variant ${name}`);
  if (!existsSync(join(checkpoint, 'model.safetensors'))) {
    throw new Error(
      'no seed-shaped checkpoint: /usr/bin/python3 tooling/gpt2-fixtures/make-seed-shaped.py',
    );
  }
  const folders = Object.fromEntries(names.map((name) => [name, convertVariant(name)]));
  console.log(
    `machine: ${cpus()[0]?.model} ×${cpus().length}, load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' / ')}; ${threads} intra-op thread(s), ${steps} steps, ${rounds} rounds`,
  );
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    for (const promptLength of prompts) {
      for (const name of names) {
        const child = spawnSync(
          process.execPath,
          [
            fileURLToPath(import.meta.url),
            '--worker',
            JSON.stringify({
              folder: folders[name],
              dtype: variants[name].dtype,
              session: variants[name].session ?? {},
              threads,
              promptLength,
              steps,
            }),
          ],
          { encoding: 'utf8', cwd: here },
        );
        if (child.status !== 0) throw new Error(`${name} failed:\n${child.stderr}`);
        const result = JSON.parse(child.stdout.trim().split('\n').pop());
        results.push({ round, name, promptLength, ...result });
        console.error(
          `round ${round} ${name} prompt ${promptLength}: ${result.wallMs.toFixed(3)} ms wall, ${result.cpuMs.toFixed(3)} ms CPU per token`,
        );
      }
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const pick = (name, promptLength) =>
    results.filter((row) => row.name === name && row.promptLength === promptLength);
  const ratio = (name, promptLength, key) => {
    const base = pick(names[0], promptLength);
    return median(
      pick(name, promptLength).map(
        (row) => row[key] / base.find((other) => other.round === row.round)[key],
      ),
    );
  };
  const header = prompts.flatMap((p) => [`wall (${p})`, `CPU (${p})`, `CPU ratio (${p})`]);
  console.log(`\n| variant | ${header.join(' | ')} |`);
  console.log(`| --- | ${header.map(() => '---').join(' | ')} |`);
  for (const name of names) {
    const cells = prompts.flatMap((p) => [
      median(pick(name, p).map((row) => row.wallMs)).toFixed(3),
      median(pick(name, p).map((row) => row.cpuMs)).toFixed(3),
      `${ratio(name, p, 'cpuMs').toFixed(3)}x`,
    ]);
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  console.log(
    `\n(ms per token, medians over rounds; ratios: medians of per-round ratios to ${names[0]}; load after ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' / ')})`,
  );
  mkdirSync(join(data, 'ab'), { recursive: true });
  writeFileSync(
    join(data, 'ab', 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), threads, steps, results }, null, 2)}\n`,
  );
}

/** Converts `name` into bench/.data/ab/<name>/ unless a file newer than the converter is there. */
function convertVariant(name) {
  const { dtype, tuning } = variants[name];
  const folder = join(data, 'ab', name);
  const fileName = {
    fp32: 'model.onnx',
    q8: 'model_quantized.onnx',
    int8: 'model_int8.onnx',
    q4: 'model_q4.onnx',
  }[dtype];
  const file = join(folder, fileName);
  const converterBuilt = statSync(join(convertPackage, 'dist', 'index.js')).mtimeMs;
  if (existsSync(file) && statSync(file).mtimeMs > converterBuilt) return folder;
  mkdirSync(folder, { recursive: true });
  const script = `
    const { readFileSync, writeFileSync } = await import('node:fs');
    const convert = await import(${JSON.stringify(join(convertPackage, 'dist', 'index.js'))});
    const configText = readFileSync(${JSON.stringify(join(checkpoint, 'config.json'))}, 'utf8');
    const config = convert.readGpt2Config(configText);
    const weights = convert.normalizeGpt2StateDict(
      convert.readSafetensors(new Uint8Array(readFileSync(${JSON.stringify(join(checkpoint, 'model.safetensors'))}))),
      config,
    );
    const model = convert.convertGpt2ToOnnx(weights, config, {
      dtype: ${JSON.stringify(dtype)}, keyValueOutputs: 'new', tuning: ${JSON.stringify(tuning ?? {})},
    });
    writeFileSync(${JSON.stringify(file)}, model.toBytes());
    writeFileSync(${JSON.stringify(join(folder, 'config.json'))}, configText);`;
  console.error(`converting ${name} …`);
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`converting ${name} failed`);
  return folder;
}

/** One measurement (a fresh process): prints `{ wallMs, cpuMs }` per token. */
async function worker({ folder, dtype, session: sessionOptions, threads, promptLength, steps }) {
  const { loadModel } = await import('@bg-gpt2/runtime/node');
  const model = await loadModel(folder, {
    dtype,
    tokenizer: false,
    sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, ...sessionOptions },
  });
  const prompt = Array.from({ length: promptLength }, (_, index) => (index * 7919 + 13) % 50000);
  let session = model.createSession();
  await session.prefill(prompt.slice(0, 8));
  for (let step = 0; step < 4; step++) await session.step(5);
  await session.dispose();
  session = model.createSession();
  await session.prefill(prompt);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let step = 0; step < steps; step++) await session.step((step * 31 + 7) % 50000);
  const wallMs = (performance.now() - started) / steps;
  const cpu = process.cpuUsage(cpuBefore);
  await session.dispose();
  await model.dispose();
  const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
  process.stdout.write(`${JSON.stringify({ wallMs, cpuMs })}\n`);
}
