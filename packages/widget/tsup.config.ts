import { defineConfig, type Options } from 'tsup';

/**
 * What the page downloads is minified by terser (about 1.5 KB less after gzip than esbuild's
 * minifier): several compress passes, module scope, ES2022.
 */
const terser: Pick<Options, 'minify' | 'terserOptions'> = {
  minify: 'terser',
  terserOptions: {
    module: true,
    ecma: 2020,
    compress: { passes: 3, pure_getters: true, unsafe_arrows: true },
    format: { comments: false },
  },
};

export default defineConfig([
  {
    // The element for bundlers: Lit stays a dependency (shared with the page's own Lit).
    entry: { index: 'src/index.ts', element: 'src/element.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    dts: true,
    sourcemap: true,
    clean: true,
    external: ['lit', /^lit\//],
  },
  {
    // The worker: the model stack bundled into one module (a worker cannot resolve bare imports),
    // onnxruntime-web's WebAssembly build without its loader, which comes from `wasm-path` with
    // the .wasm file. Lazily loaded parts (WebGPU, checkpoint conversion) are separate chunks.
    entry: { worker: 'src/worker.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    ...terser,
    splitting: true,
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.conditions = ['onnxruntime-web-use-extern-wasm', 'browser', 'import'];
      // onnxruntime-web's WebAssembly build through @bg-gpt2/runtime's own binding of its C API
      // (3 KB instead of onnxruntime-web's 15 KB of JavaScript); the runtime's tensors are the
      // binding's. WebGPU (a lazy chunk) stays onnxruntime-web's own.
      options.alias = {
        'onnxruntime-common': '@bg-gpt2/runtime/onnxruntime-wasm',
        'onnxruntime-web/wasm': '@bg-gpt2/runtime/onnxruntime-wasm',
      };
      options.chunkNames = 'worker-chunks/[name]-[hash]';
    },
  },
  {
    // Self-contained: Lit bundled, minified (script tags, CDNs; also what the size check measures).
    entry: { 'bg-complete.min': 'src/standalone.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    ...terser,
    noExternal: [/.*/],
  },
]);
