// End-to-end generation benchmark (issue 4): tokens/s of `bg-gpt2` generating text — tokenizer,
// model, the model card's sampling chain (top-p 0.92 over all 50 257 logits, top-k off),
// streaming detokenization — against the runtime's raw decode (prefill + argmax steps) on the
// same loaded model, interleaved round by round inside `bg-gpt2 bench`. The model has exactly
// the seed's shape (random weights; speed does not depend on values) with the 50 000-piece
// Bulgarian test tokenizer.
//
//   node bench/generation/run.mjs [--rounds N] [--new-tokens N] [--dtypes fp32,q8,q4]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const data = join(root, 'bench', '.data');
const folder = join(data, 'seed-shaped-bg-gpt2');
const cli = join(root, 'apps', 'cli', 'dist', 'main.js');

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const rounds = option('rounds', '21');
const newTokens = option('new-tokens', '128');
const dtypes = option('dtypes', 'fp32,q8,q4').split(',');

if (!existsSync(cli)) throw new Error('build first: pnpm build');
if (!existsSync(join(folder, 'model.onnx'))) {
  throw new Error(
    'no seed-shaped model: run node bench/runtime/run.mjs --quick first (it converts it)',
  );
}
// The seed-shaped checkpoint has no tokenizer: use the 50 000-piece Bulgarian test model.
const tokenizerFixtures = join(root, 'packages', 'tokenizer', 'fixtures', 'models');
copyFileSync(join(tokenizerFixtures, 'unigram-bg.model'), join(folder, 'spiece.model'));
writeFileSync(
  join(folder, 'tokenizer_config.json'),
  JSON.stringify({ do_lower_case: false, keep_accents: true, remove_space: true }),
);

console.error(
  `machine: ${cpus()[0]?.model} ×${cpus().length}, load ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ')}`,
);
const rows = [];
for (const dtype of dtypes) {
  const result = spawnSync(
    process.execPath,
    [
      cli,
      'bench',
      '--model',
      folder,
      '--dtype',
      dtype,
      '--threads',
      '2',
      '--rounds',
      rounds,
      '--new-tokens',
      newTokens,
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`bg-gpt2 bench --dtype ${dtype} failed`);
  rows.push({ dtype, ...JSON.parse(result.stdout.trim().split('\n').pop()) });
}
console.log(
  `\n${newTokens} new tokens after an 8-token prompt, 2 threads, median of ${rounds} interleaved rounds (overhead: median of the paired per-round ratios)\n`,
);
console.log(
  '| dtype | raw decode ms/token | raw tokens/s | bg-gpt2 generate ms/token | generate tokens/s | overhead | outside the model runs, raw / generate µs/token | their difference, of a raw token |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  console.log(
    `| ${row.dtype} | ${row.rawMsPerToken.toFixed(2)} | ${row.rawTokensPerSecond.toFixed(1)} | ` +
      `${row.generateMsPerToken.toFixed(2)} | ${row.generateTokensPerSecond.toFixed(1)} | ${(row.overhead * 100).toFixed(1)} % | ` +
      `${(row.rawOutsideMsPerToken * 1000).toFixed(0)} / ${(row.generateOutsideMsPerToken * 1000).toFixed(0)} | ${(row.outsideOverhead * 100).toFixed(1)} % |`,
  );
}
console.log(
  '\nOutside the model runs: the time between prefill/step calls (sampling, detokenizing, the generators; argmax for raw), free of the model time that swings with the machine.',
);
writeFileSync(
  join(data, 'generation-results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`,
);
