import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: ['@bg-gpt2/errors'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  treeshake: true,
  // Bundled, so the package keeps zero runtime dependencies.
  noExternal: ['@bg-gpt2/errors'],
});
