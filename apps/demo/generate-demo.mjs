// The first command of the README: `bg-gpt2 generate` continues a Bulgarian prompt. With no
// --model it uses the published rmihaylov/gpt2-small-theseus-bg when it is cached or the hub is
// reachable, otherwise the bundled demo model (and says so). Run: pnpm demo ["your prompt"]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'cli', 'dist', 'main.js');
const prompt = process.argv.slice(2).join(' ') || 'Файлът не може да бъде';
const run = (args) => {
  console.log(
    `\n$ bg-gpt2 ${args.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')}`,
  );
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// Greedy, with Hugging Face's repetition penalty, up to the end of the line.
run(['generate', '--max-new-tokens', '24', '--repetition-penalty', '1.3', '--stop', '\\n', prompt]);
// The model card's sampling settings (top-p 0.92, top-k off), seeded.
run([
  'generate',
  '--do-sample',
  '--top-p',
  '0.92',
  '--top-k',
  '0',
  '--max-new-tokens',
  '24',
  '--repetition-penalty',
  '1.2',
  '--seed',
  '2', // any seed works; this one reads well on the demo model with the rejection top-p draw
  '--stop',
  '\\n',
  prompt,
]);
