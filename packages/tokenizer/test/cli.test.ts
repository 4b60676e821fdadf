import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturesDirectory } from './fixtures.js';

const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(packageDirectory, 'dist', 'cli', 'bg-spm.js');

interface CliCase {
  command: 'encode' | 'decode';
  args: string[];
  model: string;
  input: string;
  expected: string;
}

const cases = (
  JSON.parse(readFileSync(join(fixturesDirectory, 'cli', 'cases.json'), 'utf8')) as {
    cases: CliCase[];
  }
).cases;

function run(args: string[], input?: Buffer | string) {
  return spawnSync(process.execPath, [cli, ...args], {
    input,
    cwd: join(fixturesDirectory, 'models'),
  });
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`Build the package first (pnpm build): ${cli} is missing.`);
});

/** bg-spm's stdout must be byte-identical to spm_encode / spm_decode's (recorded fixtures). */
describe('bg-spm is a drop-in for spm_encode and spm_decode', () => {
  it.each(
    cases.map(
      (entry) => [`${entry.command} ${entry.model} ${entry.args.join(' ')}`, entry] as const,
    ),
  )('%s', (_name, entry) => {
    const input = readFileSync(join(fixturesDirectory, 'cli', entry.input));
    const result = run([entry.command, `--model=${entry.model}`, ...entry.args], input);
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.equals(readFileSync(join(fixturesDirectory, 'cli', entry.expected)))).toBe(
      true,
    );
  });

  it('accepts "--flag value" as well as "--flag=value", and files as arguments', () => {
    const directory = mkdtempSync(join(tmpdir(), 'bg-spm-'));
    const file = join(directory, 'input.txt');
    writeFileSync(file, 'Здравей, свят!\nвтори ред');
    const result = run(['encode', '--model', 'unigram-bg.model', '--output_format', 'id', file]);
    expect(result.status).toBe(0);
    expect(result.stdout.toString().split('\n')).toHaveLength(3);
  });

  it('splits lines on "\\n" only and keeps a last line without one', () => {
    const result = run(['encode', '--model=unigram-bg.model'], 'а\rб\nв');
    expect(result.stdout.toString().split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('decodes malformed UTF-8 input as the C++ tools do (one U+FFFD per bad byte)', () => {
    const result = run(
      ['encode', '--model=unigram-bg.model'],
      Buffer.from([0x61, 0xff, 0xfe, 0x0a]),
    );
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toContain('\uFFFD');
  });

  it('fails clearly, with a non-zero exit, on a missing model', () => {
    const result = run(['encode', '--model=does-not-exist.model'], 'текст');
    expect(result.status).not.toBe(0);
    expect(result.stderr.toString()).toMatch(/does-not-exist\.model does not exist/);
    expect(result.stdout.length).toBe(0);
  });

  it('fails clearly, with a non-zero exit, on a corrupt model', () => {
    const directory = mkdtempSync(join(tmpdir(), 'bg-spm-'));
    const corrupt = join(directory, 'corrupt.model');
    writeFileSync(
      corrupt,
      readFileSync(join(fixturesDirectory, 'models', 'unigram-bg.model')).subarray(0, 5000),
    );
    const result = run(['encode', `--model=${corrupt}`], 'текст');
    expect(result.status).not.toBe(0);
    expect(result.stderr.toString()).toMatch(/Not a valid SentencePiece model/);
  });

  it('explains its usage', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout.toString()).toMatch(/bg-spm encode --model=M/);
    const wrong = run(['transmogrify']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.toString()).toMatch(/expected "encode" or "decode"/);
  });

  it('samples reproducibly with a seed', () => {
    const args = [
      'encode',
      '--model=unigram-bg.model',
      '--output_format=sample_piece',
      '--alpha=0.5',
      '--random_seed=7',
    ];
    const text = 'Здравейте, приятели!\n'.repeat(5);
    expect(run(args, text).stdout.toString()).toBe(run(args, text).stdout.toString());
  });
});
