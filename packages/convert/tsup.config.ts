import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: ['@bg-gpt2/errors'] },
  // Bundled, so no package gains a runtime dependency for its error class.
  noExternal: ['@bg-gpt2/errors'],
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
