import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@bg-gpt2/runtime/node';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'main.js');
const fixtures = join(here, '..', '..', '..', 'packages', 'convert', 'fixtures');

function run(args: string[], environment: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...environment },
  });
}

interface Reference {
  prompts: { input_ids: number[]; prefill_logits: number[][] }[];
}

describe('bg-gpt2 convert', () => {
  it('turns the published checkpoint layout into an ONNX folder that runs like PyTorch', async () => {
    expect(existsSync(cli), 'build the CLI first (pnpm build)').toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'bg-gpt2-convert-'));
    const cache = mkdtempSync(join(tmpdir(), 'bg-gpt2-cache-'));
    const result = run([
      'convert',
      join(fixtures, 'tiny-gpt2'),
      '--out',
      out,
      '--cache-dir',
      cache,
    ]);
    expect(result.stderr).toMatch(/converting/);
    expect(result.status).toBe(0);
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
    expect(existsSync(join(out, 'config.json'))).toBe(true);

    const reference = JSON.parse(
      readFileSync(join(fixtures, 'tiny-gpt2', 'reference.json'), 'utf8'),
    ) as Reference;
    const model = await loadModel(out, { tokenizer: false, cacheDirectory: cache });
    // Optimum's layout by default, so transformers.js and other runners read the file too.
    expect(model.inferenceSession.outputNames).toContain('present.0.key');
    const session = model.createSession();
    const prompt = reference.prompts[0]!;
    const logits = await session.prefill(prompt.input_ids);
    const expected = prompt.prefill_logits[prompt.prefill_logits.length - 1]!;
    let difference = 0;
    expected.forEach((value, index) => {
      difference = Math.max(difference, Math.abs(value - logits[index]!));
    });
    expect(difference).toBeLessThanOrEqual(1e-4);
    await session.dispose();
    await model.dispose();
  });

  it('explains itself and refuses bad input with a clear message', () => {
    expect(run(['convert', '--help']).stdout).toMatch(/--dtype <type>/);
    const usage = run(['convert', join(fixtures, 'tiny-gpt2')]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--out/);
    const hostile = run([
      'convert',
      join(fixtures, 'hostile'),
      '--out',
      mkdtempSync(join(tmpdir(), 'x-')),
    ]);
    expect(hostile.status).toBe(1);
    expect(hostile.stderr).toMatch(/config\.json/);
    expect(run(['frobnicate']).status).toBe(2);
  });

  it('refuses a checkpoint whose pickle would run os.system, running nothing', () => {
    const folder = mkdtempSync(join(tmpdir(), 'bg-gpt2-hostile-'));
    copyFileSync(join(fixtures, 'tiny-gpt2', 'config.json'), join(folder, 'config.json'));
    copyFileSync(join(fixtures, 'hostile', 'os-system.bin'), join(folder, 'pytorch_model.bin'));
    const cache = mkdtempSync(join(tmpdir(), 'bg-gpt2-cache-'));
    const result = run(['convert', folder, '--out', join(folder, 'out'), '--cache-dir', cache]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/system/);
    expect(result.stderr).toMatch(/PICKLE_REFUSED/);
    expect(existsSync('/tmp/bg-gpt2-pwned')).toBe(false);
    expect(existsSync(join(folder, 'out', 'model.onnx'))).toBe(false);
  });
});
