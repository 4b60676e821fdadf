// The download of <bg-complete> in bytes, min+gzip (and brotli): what a page loads before the
// first suggestion, from the built files (run `pnpm build` first). The total (the widget's budget
// is 60 KB gzip) counts onnxruntime-web's Emscripten loader, which comes from `wasm-path` with the
// .wasm binary; a subtotal shows what is ours to bundle without it. Lazily loaded parts (WebGPU,
// checkpoint conversion) and the .wasm binary are listed apart.
//
//   node scripts/bundle-size.mjs [--json]
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const packageFolder = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(packageFolder, 'dist');
const onnxRuntime = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));

function sizes(path) {
  const bytes = readFileSync(path);
  return {
    minified: bytes.byteLength,
    gzip: gzipSync(bytes, { level: 9 }).byteLength,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
    }).byteLength,
  };
}

const chunks = readdirSync(join(dist, 'worker-chunks')).filter((file) => file.endsWith('.js'));
const lazy = (file) => /^(ort\.webgpu|dist-|browser-conversion-)/.test(file); // WebGPU, conversion
const parts = [
  { part: 'element + Lit (bg-complete.min.js)', path: join(dist, 'bg-complete.min.js') },
  { part: 'worker: tokenizer, sampler, runtime (worker.js)', path: join(dist, 'worker.js') },
  ...chunks
    .filter((file) => !lazy(file))
    .map((file) => {
      const path = join(dist, 'worker-chunks', file);
      const runtime = readFileSync(path, 'utf8').includes('OrtRun');
      return {
        part: runtime
          ? `worker: ONNX Runtime binding, runtime/onnxruntime-wasm (${file})`
          : `worker: ${file}`,
        path,
      };
    }),
];
const loader = {
  part: "onnxruntime-web's loader (ort-wasm-simd-threaded.mjs, served from wasm-path)",
  ...sizes(join(onnxRuntime, 'ort-wasm-simd-threaded.mjs')),
};
const sum = (list) =>
  list.reduce(
    (total, part) => ({
      minified: total.minified + part.minified,
      gzip: total.gzip + part.gzip,
      brotli: total.brotli + part.brotli,
    }),
    { minified: 0, gzip: 0, brotli: 0 },
  );
const loaded = parts.map(({ part, path }) => ({ part, ...sizes(path) }));
const element = sum(loaded);
const total = sum([...loaded, loader]);
const later = chunks
  .filter(lazy)
  .map((file) => ({ part: `on demand: ${file}`, ...sizes(join(dist, 'worker-chunks', file)) }));
const wasm = sizes(join(onnxRuntime, 'ort-wasm-simd-threaded.wasm'));

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ loaded, element, loader, total, later, wasm }, null, 2));
} else {
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`.padStart(9);
  const row = (name, size) =>
    `${name.padEnd(78)} ${kb(size.minified)} ${kb(size.gzip)} ${kb(size.brotli)}`;
  console.log(
    `${'JavaScript loaded before the first suggestion'.padEnd(78)}  minified      gzip    brotli`,
  );
  for (const part of loaded) console.log(row(part.part, part));
  console.log(row('subtotal: the bundles, without the loader below', element));
  console.log(row(loader.part, loader));
  console.log(row('total (the budget: 60 KB gzip)', total));
  for (const part of later) console.log(row(part.part, part));
  console.log(row('ort-wasm-simd-threaded.wasm (the WebAssembly binary)', wasm));
}
