import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const source = join(dirname(fileURLToPath(import.meta.url)), '../src');

async function importsOf(folder: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
    const text = await readFile(join(folder, name), 'utf8');
    const specifiers = [...text.matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)].map(
      (match) => match[1],
    );
    found.set(name, specifiers);
  }
  return found;
}

describe('import boundaries', () => {
  it('the core imports neither onnxruntime-node, onnxruntime-web, nor Node built-ins', async () => {
    const core = await importsOf(source);
    core.delete('node.ts');
    core.delete('web.ts');
    for (const [file, specifiers] of core) {
      for (const specifier of specifiers) {
        expect(`${file}: ${specifier}`).not.toMatch(
          /onnxruntime-(node|web)|: node:|@bg-gpt2\/convert/,
        );
        expect(`${file}: ${specifier}`).not.toMatch(/\.\/(node|web)\//);
      }
    }
  });

  it('the web entry never reaches onnxruntime-node or Node built-ins', async () => {
    const web = await importsOf(join(source, 'web'));
    for (const [file, specifiers] of web) {
      for (const specifier of specifiers) {
        expect(`${file}: ${specifier}`).not.toMatch(/onnxruntime-node|: node:|\.\.\/node\//);
      }
    }
  });

  it('the onnxruntime-wasm binding imports nothing but its own files and the error type (no onnxruntime-web JavaScript)', async () => {
    const binding = await importsOf(join(source, 'onnxruntime-wasm'));
    binding.set('onnxruntime-wasm.ts', (await importsOf(source)).get('onnxruntime-wasm.ts') ?? []);
    for (const [file, specifiers] of binding) {
      for (const specifier of specifiers) {
        expect(`${file}: ${specifier}`).toMatch(
          /: (\.\/(onnxruntime-wasm\/)?[a-z-]+|\.\.\/errors)\.js$/,
        );
      }
    }
  });
});
