import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', node: 'src/node.ts' },
    format: ['esm', 'cjs'],
    dts: { resolve: ['@bg-gpt2/errors'] },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    // Bundled, so the package keeps zero runtime dependencies.
    noExternal: ['@bg-gpt2/errors'],
  },
  {
    entry: { 'cli/bg-spm': 'src/cli/bg-spm.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    banner: { js: '#!/usr/bin/env node' },
    noExternal: ['@bg-gpt2/errors'],
  },
]);
