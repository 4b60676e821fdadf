import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', web: 'src/web.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: ['@bg-gpt2/errors'] },
  // Bundled, so no package gains a runtime dependency for its error class.
  noExternal: ['@bg-gpt2/errors'],
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common', '@bg-gpt2/convert'],
});
