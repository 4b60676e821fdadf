// bundle-size.mjs — browser bundle size of @bg-gpt2/tokenizer (dist/index.js).
//
// Bundles packages/tokenizer/dist/index.js with esbuild (bundle + minify, ESM, platform
// browser, nothing written to disk), gzips the result with zlib level 9, and reports both
// sizes. Any import of a Node built-in (`node:fs`, `fs`, ...) is a failure: the browser
// entry must not pull one in.
//
// Used by run.mjs; also runnable on its own:
//   node bench/tokenizer/bundle-size.mjs          (from the repository root)
//   pnpm --filter @bg-gpt2/tokenizer bench:size

import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const BROWSER_ENTRY = join(ROOT, 'packages/tokenizer/dist/index.js');

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * Bundles the browser entry and measures it.
 * @returns {Promise<{entry: string, esbuild: string, minBytes: number, gzipBytes: number,
 *   nodeImports: {path: string, importer: string}[]}>}
 */
export async function measureBundleSize(entryPath = BROWSER_ENTRY) {
  const entry = resolve(entryPath);
  if (!existsSync(entry)) {
    throw new Error(`${relative(ROOT, entry)} is missing: run \`pnpm build\` first.`);
  }
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed: run `pnpm install` at the repository root.');
  }

  // Every Node built-in the bundle reaches is recorded (and kept external so that the build
  // still finishes and can report all of them at once).
  const nodeImports = [];
  const catchNodeBuiltins = {
    name: 'catch-node-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!builtins.has(args.path) && !args.path.startsWith('node:')) return undefined;
        nodeImports.push({ path: args.path, importer: relative(ROOT, args.importer) });
        return { path: args.path, external: true };
      });
    },
  };

  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    plugins: [catchNodeBuiltins],
  });
  const code = result.outputFiles[0].contents;
  // Belt and braces: no `node:` specifier may survive in the output either.
  const text = Buffer.from(code).toString('utf8');
  for (const match of text.matchAll(/["'`](node:[a-z_/]+)["'`]/g)) {
    if (!nodeImports.some((found) => found.path === match[1])) {
      nodeImports.push({ path: match[1], importer: '(in the bundled output)' });
    }
  }
  return {
    entry: relative(ROOT, entry),
    esbuild: esbuild.version,
    minBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    nodeImports,
  };
}

export function nodeImportsMessage(nodeImports) {
  const lines = nodeImports.map(({ path, importer }) => `  - "${path}" imported by ${importer}`);
  return `The browser bundle pulls in Node built-ins:\n${lines.join('\n')}`;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    const size = await measureBundleSize();
    const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
    console.log(`${size.entry} (esbuild ${size.esbuild}, minify, esm, platform browser)`);
    console.log(`  min:       ${size.minBytes} B (${kib(size.minBytes)})`);
    console.log(`  min+gzip:  ${size.gzipBytes} B (${kib(size.gzipBytes)}, zlib level 9)`);
    if (size.nodeImports.length > 0) {
      console.error(`\nERROR: ${nodeImportsMessage(size.nodeImports)}`);
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`ERROR: ${error.message}`);
    process.exitCode = 1;
  }
}
