import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    // The memory test calls gc() so that RSS measures live memory, not garbage.
    execArgv: ['--expose-gc'],
  },
});
