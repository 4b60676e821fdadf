import { describe, expect, it, vi } from 'vitest';
import { rejection } from './fixtures.js';

describe('the onnxruntime-node backend', () => {
  it('is registered by importing the Node entry point', async () => {
    const runtime = await import('../src/node.js');
    expect(runtime.listBackends()).toContain('onnxruntime-node');
    expect((await runtime.resolveBackend()).name).toBe('onnxruntime-node');
  });

  it('answers NO_BACKEND with the install command when onnxruntime-node is missing', async () => {
    vi.resetModules();
    vi.doMock('onnxruntime-node', () => {
      throw new Error("Cannot find package 'onnxruntime-node'");
    });
    try {
      const { createNodeBackend } = await import('../src/node/node-backend.js');
      const { registerBackend, resolveBackend, unregisterBackend } = await import(
        '../src/index.js'
      );
      registerBackend('test-node-missing', createNodeBackend(), 1);
      const error = await rejection(resolveBackend('test-node-missing'));
      unregisterBackend('test-node-missing');
      expect(error).toMatchObject({ code: 'NO_BACKEND' });
      expect(error.message).toContain('npm i onnxruntime-node');
    } finally {
      vi.doUnmock('onnxruntime-node');
      vi.resetModules();
    }
  });

  it('refuses bad thread counts', async () => {
    const { createNodeBackend } = await import('../src/node/node-backend.js');
    expect(() => createNodeBackend({ intraOpNumThreads: -1 })).toThrow(/intraOpNumThreads/);
  });
});
