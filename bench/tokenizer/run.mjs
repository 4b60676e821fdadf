#!/usr/bin/env node
// run.mjs — @bg-gpt2/tokenizer benchmark: bg-spm side by side with spm_encode (C++).
//
//   node bench/tokenizer/run.mjs [--quick] [--rounds N]      (or: pnpm bench)
//
// 1. Throughput: bg-spm and spm_encode encode bench/.data/bg-10mb.txt (piece and id
//    output), whole process (stdin from the file, stdout to a temp file), in alternating
//    rounds; round 1 also checks that the two outputs are byte-identical.
// 2. Linear cost: the same on the one-line nospace-{10k,100k,1m}.txt files, plus the
//    in-process cost of tokenizer.encode(line) (no process startup), in µs per KiB.
// 3. Browser bundle size of packages/tokenizer/dist/index.js (see bundle-size.mjs).
// Prints a markdown report and writes the figures to bench/.data/tokenizer-results.json.
// See bench/README.md.

import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { basename, delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measureBundleSize, nodeImportsMessage } from './bundle-size.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../..');
const TOKENIZER = join(ROOT, 'packages/tokenizer');
const CLI = join(TOKENIZER, 'dist/cli/bg-spm.js');
const LIBRARY = join(TOKENIZER, 'dist/index.js');
const MODEL = join(TOKENIZER, 'fixtures/models/unigram-bg.model');
const DATA = join(ROOT, 'bench/.data');
const PREPARE = join(ROOT, 'bench/prepare-data.sh');
const RESULTS = join(DATA, 'tokenizer-results.json');
const THROUGHPUT_INPUT = 'bg-10mb.txt';
const LINEAR_INPUTS = ['nospace-10k.txt', 'nospace-100k.txt', 'nospace-1m.txt'];
const FORMATS = ['piece', 'id'];
const LOAD_WARNING = 0.5;
const WARM_UP_ENCODES = 3;

const USAGE = `Usage: node bench/tokenizer/run.mjs [--quick] [--rounds N]

  --rounds N   throughput rounds per output format (default 5)
  --quick      smoke test: 1 throughput round, 1 whole-process run per linear-cost input
  --help       this text

Needs: pnpm build (packages/tokenizer/dist), spm_encode on PATH (apt-get install
sentencepiece) for the side-by-side figures, bench/.data (bash bench/prepare-data.sh).`;

const rel = (path) => relative(ROOT, path) || '.';

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------
// Arguments, machine, prerequisites

function parseArguments(argv) {
  const options = { quick: false, rounds: 5 };
  let roundsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--') continue;
    if (argument === '--help' || argument === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (argument === '--quick') {
      options.quick = true;
    } else if (argument === '--rounds' || argument.startsWith('--rounds=')) {
      const value = argument === '--rounds' ? argv[++i] : argument.slice('--rounds='.length);
      const rounds = Number(value);
      if (!Number.isInteger(rounds) || rounds < 1) {
        throw new BenchError(`--rounds must be a positive integer, got "${value}".\n\n${USAGE}`);
      }
      options.rounds = rounds;
      roundsGiven = true;
    } else {
      throw new BenchError(`unknown argument "${argument}".\n\n${USAGE}`);
    }
  }
  if (options.quick && !roundsGiven) options.rounds = 1;
  options.linearRuns = options.quick ? 1 : 3;
  options.inProcessRuns = 5; // cheap (under a second), so --quick keeps it
  return options;
}

function findOnPath(name) {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function machineInfo(spmPath) {
  const cpus = os.cpus();
  let spmVersion = null;
  if (spmPath) {
    const result = spawnSync(spmPath, ['--version'], { encoding: 'utf8' });
    spmVersion = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] || null;
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    spmEncode: spmPath ? { path: spmPath, version: spmVersion } : null,
  };
}

function formatLoad(load) {
  return load.map((value) => value.toFixed(2)).join(' / ');
}

function checkPrerequisites() {
  for (const [path, what] of [
    [CLI, 'the bg-spm CLI'],
    [LIBRARY, 'the library build'],
  ]) {
    if (!existsSync(path)) {
      throw new BenchError(
        `${rel(path)} (${what}) is missing: run \`pnpm build\` first ` +
          '(or `pnpm --filter @bg-gpt2/tokenizer build`).',
      );
    }
  }
  if (!existsSync(MODEL)) throw new BenchError(`the model ${rel(MODEL)} is missing.`);

  const spmPath = findOnPath('spm_encode');
  if (!spmPath) {
    console.warn(
      'WARNING: spm_encode is not on PATH, so the side-by-side figures are skipped and only ' +
        'bg-spm is measured.\n  Install the reference with `apt-get install sentencepiece` ' +
        "(Debian's C++ SentencePiece).\n",
    );
  }

  const inputs = [THROUGHPUT_INPUT, ...LINEAR_INPUTS];
  const missing = () => inputs.filter((name) => !existsSync(join(DATA, name)));
  if (missing().length > 0) {
    console.log(`Bench data missing (${missing().join(', ')}): running bash ${rel(PREPARE)} ...`);
    const result = spawnSync('bash', [PREPARE], { stdio: 'inherit' });
    if (result.status !== 0 || missing().length > 0) {
      throw new BenchError(
        `could not make the bench data in ${rel(DATA)}/. Make it with \`bash ${rel(PREPARE)}\` ` +
          '(needs python3; if the corpus is not built yet it runs ' +
          'tooling/tokenizer-fixtures/build-corpus.sh, which downloads Debian packages with ' +
          'apt-get).',
      );
    }
    console.log('');
  }
  // Read every input once so that the page cache is warm before anything is timed.
  for (const name of inputs) readFileSync(join(DATA, name));
  return spmPath;
}

// ---------------------------------------------------------------------------------------
// Measuring

/** Runs `command args` with stdin from `inputPath` and stdout to `outputPath`; seconds. */
function timeProcess(command, args, inputPath, outputPath) {
  return new Promise((resolveTime, reject) => {
    const input = openSync(inputPath, 'r');
    const output = openSync(outputPath, 'w');
    let stderr = '';
    let settled = false;
    const settle = (callback) => {
      if (settled) return;
      settled = true;
      closeSync(input);
      closeSync(output);
      callback();
    };
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: [input, output, 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (error) => settle(() => reject(error)));
    child.on('close', (code, signal) => {
      const end = process.hrtime.bigint();
      settle(() => {
        if (code === 0) resolveTime(Number(end - start) / 1e9);
        else {
          const how = code === null ? `signal ${signal}` : `exit code ${code}`;
          const line = [basename(command), ...args].join(' ');
          reject(new BenchError(`\`${line} < ${rel(inputPath)}\` failed (${how}):\n${stderr}`));
        }
      });
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Byte comparison of two output files; on a difference, the first differing line. */
function compareOutputs(pathA, pathB) {
  const a = readFileSync(pathA);
  const b = readFileSync(pathB);
  if (a.equals(b)) return { identical: true };
  let index = 0;
  while (index < a.length && index < b.length && a[index] === b[index]) index++;
  let line = 1;
  for (let k = 0; k < index; k++) if (a[k] === 10) line++;
  return { identical: false, firstDifferentLine: line, bytes: [a.length, b.length] };
}

function makeTools(spmPath) {
  const bgSpm = {
    name: 'bg-spm',
    command: process.execPath,
    args: (format) => [CLI, 'encode', `--model=${MODEL}`, `--output_format=${format}`],
  };
  const spmEncode = {
    name: 'spm_encode',
    command: spmPath,
    args: (format) => [`--model=${MODEL}`, `--output_format=${format}`],
  };
  return spmPath ? [bgSpm, spmEncode] : [bgSpm];
}

/**
 * Runs every tool `runs` times on `inputPath`, alternating which tool goes first each run.
 * Run 1 also compares the outputs of the first two tools.
 */
async function alternate(tools, format, inputPath, runs, temp, onRun) {
  const seconds = Object.fromEntries(tools.map((tool) => [tool.name, []]));
  const outputs = tools.map((tool) => join(temp, `${tool.name}.${format}.out`));
  let comparison = null;
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? tools : [...tools].reverse();
    const timings = [];
    for (const tool of order) {
      const output = outputs[tools.indexOf(tool)];
      const time = await timeProcess(tool.command, tool.args(format), inputPath, output);
      seconds[tool.name].push(time);
      timings.push(`${tool.name} ${time.toFixed(3)} s`);
    }
    if (run === 0 && tools.length > 1) comparison = compareOutputs(outputs[0], outputs[1]);
    onRun?.(run, timings);
  }
  return { seconds, comparison, outputs };
}

async function measureThroughput(tools, options, temp, errors) {
  const input = join(DATA, THROUGHPUT_INPUT);
  const bytes = statSync(input).size;
  const lines = readFileSync(input, 'utf8').split('\n').length - 1;
  const mbps = (seconds) => bytes / 1e6 / seconds;
  const formats = {};
  for (const format of FORMATS) {
    const { seconds, comparison } = await alternate(
      tools,
      format,
      input,
      options.rounds,
      temp,
      (run, timings) =>
        console.log(`  ${format} round ${run + 1}/${options.rounds}: ${timings.join(', ')}`),
    );
    const perTool = {};
    for (const tool of tools) {
      const times = seconds[tool.name];
      perTool[tool.name] = {
        seconds: times,
        medianSeconds: median(times),
        bestSeconds: Math.min(...times),
        medianMBps: mbps(median(times)),
        bestMBps: mbps(Math.min(...times)),
      };
    }
    let ratio = null;
    if (tools.length > 1) {
      const [ours, reference] = [perTool['bg-spm'], perTool.spm_encode];
      ratio = {
        median: ours.medianMBps / reference.medianMBps,
        best: ours.bestMBps / reference.bestMBps,
      };
      if (!comparison.identical) {
        errors.push(
          `--output_format=${format} on ${THROUGHPUT_INPUT}: bg-spm and spm_encode outputs ` +
            `differ (first at line ${comparison.firstDifferentLine}).`,
        );
      }
    }
    formats[format] = { tools: perTool, ratio, identical: comparison?.identical ?? null };
  }
  return {
    input: `bench/.data/${THROUGHPUT_INPUT}`,
    bytes,
    lines,
    rounds: options.rounds,
    formats,
  };
}

async function measureLinearCost(tools, options, temp, errors) {
  const inputs = [];
  for (const name of LINEAR_INPUTS) {
    const input = join(DATA, name);
    const bytes = statSync(input).size;
    const { seconds, comparison, outputs } = await alternate(
      tools,
      'id',
      input,
      options.linearRuns,
      temp,
    );
    const perTool = {};
    for (const tool of tools) {
      const time = median(seconds[tool.name]);
      perTool[tool.name] = {
        seconds: seconds[tool.name],
        medianSeconds: time,
        microsPerKiB: (time * 1e6) / (bytes / 1024),
      };
    }
    if (comparison && !comparison.identical) {
      errors.push(`--output_format=id on ${name}: bg-spm and spm_encode outputs differ.`);
    }
    const ids = readFileSync(outputs[0], 'utf8').trimEnd();
    inputs.push({
      input: name,
      bytes,
      tools: perTool,
      identical: comparison?.identical ?? null,
      ids,
    });
    const summary = tools.map(
      (tool) => `${tool.name} ${perTool[tool.name].medianSeconds.toFixed(3)} s`,
    );
    console.log(`  ${name}: ${summary.join(', ')}`);
  }
  const [first, last] = [inputs[0], inputs.at(-1)];
  const ratio1mTo10k = Object.fromEntries(
    tools.map((tool) => [
      tool.name,
      last.tools[tool.name].microsPerKiB / first.tools[tool.name].microsPerKiB,
    ]),
  );
  return { runs: options.linearRuns, inputs, ratio1mTo10k };
}

async function measureInProcess(options, linear, errors) {
  const { SentencePieceTokenizer } = await import(pathToFileURL(LIBRARY).href);
  const loadStart = process.hrtime.bigint();
  const tokenizer = SentencePieceTokenizer.fromBytes(readFileSync(MODEL));
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;

  const lines = LINEAR_INPUTS.map((name) =>
    readFileSync(join(DATA, name), 'utf8').replace(/\n$/, ''),
  );
  // Warm-up (JIT): every input encoded a few times before anything is timed; the first
  // result is also checked against the ids the bg-spm CLI printed in the linear-cost step.
  lines.forEach((line, i) => {
    const ids = tokenizer.encode(line).join(' ');
    if (ids !== linear.inputs[i].ids) {
      errors.push(`in-process encode() of ${LINEAR_INPUTS[i]} differs from the bg-spm CLI.`);
    }
    for (let k = 0; k < WARM_UP_ENCODES - 1; k++) tokenizer.encode(line);
  });

  const inputs = lines.map((line, i) => {
    const bytes = Buffer.byteLength(line, 'utf8');
    const milliseconds = [];
    let tokens = 0;
    for (let run = 0; run < options.inProcessRuns; run++) {
      const start = process.hrtime.bigint();
      tokens = tokenizer.encode(line).length;
      milliseconds.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const medianMs = median(milliseconds);
    return {
      input: LINEAR_INPUTS[i],
      bytes,
      tokens,
      milliseconds,
      medianMs,
      microsPerKiB: (medianMs * 1e3) / (bytes / 1024),
    };
  });
  return {
    runs: options.inProcessRuns,
    modelLoadMs: loadMs,
    inputs,
    ratio1mTo10k: inputs.at(-1).microsPerKiB / inputs[0].microsPerKiB,
  };
}

// ---------------------------------------------------------------------------------------
// Report

function table(headers, rows, align) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((_, c) => Math.max(3, ...cells.map((row) => row[c].length)));
  const pad = (text, c) => (align[c] === 'r' ? text.padStart(widths[c]) : text.padEnd(widths[c]));
  const line = (row) => `| ${row.map(pad).join(' | ')} |`;
  // The separator row as biome formats markdown tables: `| --- | --: |`.
  const rule = widths.map((w, c) => (align[c] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(cells[0]), line(rule), ...cells.slice(1).map(line)].join('\n');
}

const fixed = (value, digits) => (value == null ? '—' : value.toFixed(digits));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const yesNo = (value) => (value == null ? 'not checked' : value ? 'yes' : 'NO');

function report(results) {
  const { machine, throughput, linear, inProcess, bundle } = results;
  const out = [];
  out.push('## @bg-gpt2/tokenizer benchmark', '');
  out.push(`- Date: ${results.date}`);
  out.push(
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}`,
  );
  out.push(`- Node ${machine.node}; spm_encode: ${machine.spmEncode?.version ?? 'not installed'}`);
  out.push(
    `- Load average (1/5/15 min): ${formatLoad(machine.loadAverageBefore)} before, ` +
      `${formatLoad(machine.loadAverageAfter)} after`,
  );
  out.push(`- Model: ${rel(MODEL)}`, '');

  out.push(
    `### Throughput — ${throughput.input} (${(throughput.bytes / 1e6).toFixed(2)} MB, ` +
      `${throughput.lines} lines), whole process, ${throughput.rounds} alternating round(s)`,
    '',
  );
  const rows = [];
  for (const [format, result] of Object.entries(throughput.formats)) {
    for (const [name, tool] of Object.entries(result.tools)) {
      rows.push([
        format,
        name,
        fixed(tool.medianSeconds, 3),
        fixed(tool.medianMBps, 2),
        fixed(tool.bestMBps, 2),
      ]);
    }
    if (result.ratio) {
      rows.push([
        format,
        'ratio bg-spm/spm_encode',
        '',
        fixed(result.ratio.median, 3),
        fixed(result.ratio.best, 3),
      ]);
    }
  }
  out.push(table(['Format', 'Tool', 'Median s', 'Median MB/s', 'Best MB/s'], rows, 'llrrr'), '');
  out.push(
    `Byte-identical to spm_encode (round 1): ${FORMATS.map(
      (f) => `${f} ${yesNo(throughput.formats[f].identical)}`,
    ).join(', ')}.`,
  );
  if (throughput.formats.piece.ratio) {
    const verdicts = FORMATS.map((f) => {
      const ratio = throughput.formats[f].ratio.median;
      return `${f} ${fixed(ratio, 3)} ${ratio >= 1 ? '(met)' : '(NOT met)'}`;
    });
    out.push(`Target ratio >= 1.0 (median): ${verdicts.join(', ')}.`);
  }
  out.push('');

  const names = Object.keys(linear.inputs[0].tools);
  out.push(
    `### Linear cost — one line, no spaces, --output_format=id, whole process, ` +
      `median of ${linear.runs}`,
    '',
  );
  out.push(
    table(
      ['Input', 'Bytes', ...names.flatMap((n) => [`${n} s`, `${n} µs/KiB`])],
      [
        ...linear.inputs.map((input) => [
          input.input,
          input.bytes,
          ...names.flatMap((n) => [
            fixed(input.tools[n].medianSeconds, 3),
            fixed(input.tools[n].microsPerKiB, 1),
          ]),
        ]),
        [
          'per-KiB cost 1m / 10k',
          '',
          ...names.flatMap((n) => ['', fixed(linear.ratio1mTo10k[n], 3)]),
        ],
      ],
      `lr${'rr'.repeat(names.length)}`,
    ),
    '',
  );
  out.push(
    'Process startup (and model loading) dominates the 10k figure, so the whole-process ratio ' +
      'is far below 1; the in-process figure below is the real linearity check.',
    '',
  );

  out.push(
    `### Linear cost — in process, tokenizer.encode(line), median of ${inProcess.runs} ` +
      `(model load ${fixed(inProcess.modelLoadMs, 1)} ms, not included)`,
    '',
  );
  out.push(
    table(
      ['Input', 'Bytes', 'Tokens', 'Median ms', 'µs/KiB'],
      [
        ...inProcess.inputs.map((input) => [
          input.input,
          input.bytes,
          input.tokens,
          fixed(input.medianMs, 3),
          fixed(input.microsPerKiB, 1),
        ]),
        ['per-KiB cost 1m / 10k', '', '', '', fixed(inProcess.ratio1mTo10k, 3)],
      ],
      'lrrrr',
    ),
    '',
    'A ratio near 1 means encode() is linear in the input length.',
    '',
  );

  out.push(`### Browser bundle — ${bundle.entry} (esbuild ${bundle.esbuild}, minify, esm)`, '');
  out.push(
    table(
      ['Bundle', 'Bytes', 'Size'],
      [
        ['min', bundle.minBytes, kib(bundle.minBytes)],
        ['min+gzip (level 9)', bundle.gzipBytes, kib(bundle.gzipBytes)],
      ],
      'lrr',
    ),
    '',
  );
  out.push(
    bundle.nodeImports.length === 0
      ? 'No Node built-in (`node:*`) in the bundle.'
      : `FAILED: ${nodeImportsMessage(bundle.nodeImports)}`,
    '',
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const spmPath = checkPrerequisites();
  const machine = machineInfo(spmPath);
  machine.loadAverageBefore = os.loadavg();

  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB`);
  console.log(`Node ${machine.node}; spm_encode: ${machine.spmEncode?.version ?? 'not installed'}`);
  console.log(`Load average (1/5/15 min): ${formatLoad(machine.loadAverageBefore)}`);
  if (machine.loadAverageBefore[0] > LOAD_WARNING) {
    console.warn(
      `WARNING: the 1-minute load average is above ${LOAD_WARNING}: other work is running, ` +
        'so the timings will be noisy. Rerun on a quiet machine for figures worth quoting.',
    );
  }
  console.log(
    `Rounds: ${options.rounds}${options.quick ? ' (--quick)' : ''}; ` +
      `linear cost: median of ${options.linearRuns} (process), ${options.inProcessRuns} ` +
      '(in process)\n',
  );

  const errors = [];
  const tools = makeTools(spmPath);
  const temp = mkdtempSync(join(os.tmpdir(), 'bg-gpt2-bench-'));
  let results;
  try {
    console.log(`Throughput (${THROUGHPUT_INPUT}):`);
    const throughput = await measureThroughput(tools, options, temp, errors);
    console.log('Linear cost, whole process:');
    const linear = await measureLinearCost(tools, options, temp, errors);
    console.log('Linear cost, in process ...');
    const inProcess = await measureInProcess(options, linear, errors);
    console.log('Browser bundle size ...\n');
    const bundle = await measureBundleSize();
    if (bundle.nodeImports.length > 0) errors.push(nodeImportsMessage(bundle.nodeImports));
    for (const input of linear.inputs) delete input.ids;

    machine.loadAverageAfter = os.loadavg();
    results = {
      date: new Date().toISOString(),
      arguments: process.argv.slice(2),
      options,
      machine,
      model: rel(MODEL),
      throughput,
      linear,
      inProcess,
      bundle,
      errors,
    };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }

  console.log(report(results));
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Figures written to ${rel(RESULTS)}`);
  if (errors.length > 0) {
    console.error(`\nFAILED:\n${errors.map((error) => `- ${error}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`\nERROR: ${error instanceof BenchError ? error.message : error.stack}`);
  process.exitCode = 1;
});
