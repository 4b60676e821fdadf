import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    web: 'src/web.ts',
    'onnxruntime-wasm': 'src/onnxruntime-wasm.ts',
  },
  format: ['esm', 'cjs'],
  dts: { resolve: ['@bg-gpt2/errors'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Imported only by their entry points (and only when a model is loaded), never by the core.
  external: [
    'onnxruntime-node',
    'onnxruntime-web',
    'onnxruntime-web/wasm',
    'onnxruntime-web/webgpu',
    'onnxruntime-common',
    '@bg-gpt2/convert',
    '@bg-gpt2/convert/node',
  ],
  // Bundled, so the package gains no runtime dependency for its error base class.
  noExternal: ['@bg-gpt2/errors'],
});
