import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BgGpt2 } from 'bg-gpt2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'main.js');
const root = join(here, '..', '..', '..');

// The tiny random GPT-2 in the published layout, with a small Bulgarian character tokenizer.
const folder = mkdtempSync(join(tmpdir(), 'bg-gpt2-cli-model-'));
const cache = mkdtempSync(join(tmpdir(), 'bg-gpt2-cli-cache-'));
for (const name of ['config.json', 'pytorch_model.bin']) {
  copyFileSync(
    join(root, 'packages', 'convert', 'fixtures', 'tiny-gpt2', name),
    join(folder, name),
  );
}
copyFileSync(
  join(root, 'packages', 'tokenizer', 'fixtures', 'models', 'char.model'),
  join(folder, 'spiece.model'),
);

function run(args: string[], input?: string, environment: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, BG_GPT2_CACHE: cache, ...environment },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let lm: BgGpt2;
beforeAll(async () => {
  expect(existsSync(cli), 'build the CLI first (pnpm build)').toBe(true);
  lm = await BgGpt2.load(folder, { cacheDirectory: cache });
});
afterAll(async () => {
  await lm?.dispose();
});

describe('bg-gpt2 generate', () => {
  it('--greedy --max-new-tokens N --json prints prompt_ids, ids and text', async () => {
    const result = run([
      'generate',
      '--model',
      folder,
      '--greedy',
      '--max-new-tokens',
      '8',
      '--json',
      'Здравей,',
    ]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.prompt_ids).toEqual(lm.encode('Здравей,'));
    expect(output.ids).toHaveLength(8);
    const expected = await lm.generateDetailed('Здравей,', { doSample: false, maxNewTokens: 8 });
    expect(output.ids).toEqual(expected.ids);
    expect(output.text).toBe(expected.text);
    expect(lm.decode([...output.prompt_ids, ...output.ids])).toBe(
      lm.decode(output.prompt_ids) + output.text,
    );
  });

  it("runs the model card's example, reproducibly for a seed", () => {
    const args = [
      'generate',
      '--model',
      folder,
      '--do-sample',
      '--top-p',
      '0.92',
      '--top-k',
      '0',
      '--max-length',
      '50',
      '--seed',
      '1',
      'Здравей,',
    ];
    const first = run(args);
    expect(first.status).toBe(0);
    expect(first.stdout.startsWith('Здравей,')).toBe(true);
    expect(first.stdout.length).toBeGreaterThan('Здравей,\n'.length);
    expect(run(args).stdout).toBe(first.stdout);
  });

  it('reads the prompt from standard input and prints beams', () => {
    const result = run(
      [
        'generate',
        '--model',
        folder,
        '--num-beams',
        '3',
        '--num-return-sequences',
        '2',
        '--max-new-tokens',
        '4',
      ],
      'Здравей\n',
    );
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n\n')).toHaveLength(2);
  });

  it('refuses bad flags with a usage error (exit 2) and a missing model with exit 1', () => {
    const bad = run(['generate', '--model', folder, '--top-p', '1.5', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--top-p needs a number from 0 to 1/);
    expect(run(['generate', '--model', folder, '--num-beams', '0', 'x']).status).toBe(2);
    const missing = run(['generate', '--model', join(folder, 'nothing-here'), 'x']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nothing-here/);
  });
});

describe('bg-gpt2 without --model', () => {
  it('generates Bulgarian with the bundled demo model, saying so and how to get the real one', () => {
    const result = run(
      [
        'generate',
        '--max-new-tokens',
        '10',
        '--repetition-penalty',
        '1.3',
        '--stop',
        '\\n',
        'Файлът не може да бъде',
      ],
      undefined,
      { BG_GPT2_OFFLINE: '1' },
    );
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      /bundled demo model.*bg-gpt2 pull rmihaylov\/gpt2-small-theseus-bg/,
    );
    expect(result.stdout).toBe('Файлът не може да бъде отворен.\n');
  });
});

describe('bg-gpt2 score', () => {
  it('--json prints every token with its id, piece and natural-log probability (null first)', async () => {
    const result = run(['score', '--model', folder, '--json', 'Здравей, свят']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    const expected = await lm.score('Здравей, свят');
    expect(output.tokens).toHaveLength(expected.tokens.length);
    output.tokens.forEach(
      (token: { id: number; piece: string; logprob: number | null }, index: number) => {
        expect(Object.keys(token).sort()).toEqual(['id', 'logprob', 'piece']);
        expect(token.id).toBe(expected.tokens[index].id);
        expect(token.piece).toBe(expected.tokens[index].piece);
        if (index === 0) expect(token.logprob).toBeNull();
        else expect(token.logprob).toBeCloseTo(expected.tokens[index].logprob as number, 6);
      },
    );
  });

  it('prints a table with the perplexity', () => {
    const result = run(['score', '--model', folder, 'Здравей']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/perplexity \d/);
  });
});

describe('the other model commands', () => {
  it('tokenize prints pieces and ids, from the folder alone', () => {
    const result = run(['tokenize', '--model', folder, '--json', 'Здравей']);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.ids).toEqual(lm.encode('Здравей'));
    expect(output.pieces).toHaveLength(output.ids.length);
    expect(
      run(['tokenize', '--model', join(folder, 'spiece.model'), 'Здравей']).stdout.split('\n')[1],
    ).toBe(lm.encode('Здравей').join(' '));
  });

  it('complete and spell answer in JSON', () => {
    const complete = run(['complete', '--model', folder, '--json', '--n', '2', 'Здравей, как']);
    expect(complete.status).toBe(0);
    expect(JSON.parse(complete.stdout).completions.length).toBeLessThanOrEqual(2);
    const spell = run(['spell', '--model', folder, '--json', 'Здравей']);
    expect(spell.status).toBe(0);
    expect(Array.isArray(JSON.parse(spell.stdout).corrections)).toBe(true);
  });

  it('every command explains itself', () => {
    for (const command of [
      'generate',
      'complete',
      'score',
      'spell',
      'tokenize',
      'pull',
      'convert',
      'bench',
    ]) {
      const result = run([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`bg-gpt2 ${command}`));
    }
    expect(run(['--help']).stdout).toMatch(/generate .*complete|complete/s);
  });
});
