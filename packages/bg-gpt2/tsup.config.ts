import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', web: 'src/web.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: ['@bg-gpt2/errors'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // The other @bg-gpt2 packages stay dependencies (a user can install or swap each one).
  external: [/^@bg-gpt2\/(tokenizer|sampler|runtime|demo-model)/, /^onnxruntime-/],
  // Bundled, so the package gains no runtime dependency for its error base class.
  noExternal: ['@bg-gpt2/errors'],
});
