import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  // Empties dist/ — scripts/build-model.mjs then writes dist/model/ (the build script runs both).
  clean: true,
  // import.meta.url in the CommonJS build (the model folder is found next to the module).
  shims: true,
  target: 'es2022',
});
