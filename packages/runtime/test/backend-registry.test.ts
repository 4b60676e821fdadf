import type { InferenceSession } from 'onnxruntime-common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Backend,
  listBackends,
  RuntimeError,
  registerBackend,
  resolveBackend,
  unregisterBackend,
} from '../src/index.js';
import { rejection } from './fixtures.js';

const registered: string[] = [];

function fakeBackend(name: string, log: string[], fails = false): Backend {
  return {
    async init() {
      log.push(`init ${name}`);
      if (fails) throw new Error(`${name} is not installed`);
    },
    async createSession() {
      return { name } as unknown as InferenceSession;
    },
  };
}

function register(name: string, backend: Backend, priority: number): void {
  registerBackend(name, backend, priority);
  registered.push(name);
}

afterEach(() => {
  for (const name of registered.splice(0)) unregisterBackend(name);
});

describe('backend registry', () => {
  it('tries backends by priority, skipping (and not retrying) ones whose init fails', async () => {
    const log: string[] = [];
    register('test-low', fakeBackend('test-low', log), 1);
    register('test-high-broken', fakeBackend('test-high-broken', log, true), 1000);
    register('test-middle', fakeBackend('test-middle', log), 500);
    expect(listBackends().filter((name) => name.startsWith('test-'))).toEqual([
      'test-high-broken',
      'test-middle',
      'test-low',
    ]);
    const resolved = await resolveBackend();
    expect(resolved.name).toBe('test-middle');
    await resolveBackend();
    expect(log).toEqual(['init test-high-broken', 'init test-middle']);
  });

  it('honours preferred names, in their order, and only those', async () => {
    const log: string[] = [];
    register('test-a', fakeBackend('test-a', log), 10);
    register('test-b', fakeBackend('test-b', log), 20);
    expect((await resolveBackend('test-a')).name).toBe('test-a');
    expect((await resolveBackend(['test-missing', 'test-a', 'test-b'])).name).toBe('test-a');
  });

  it('uses a negative priority only when asked by name', async () => {
    const log: string[] = [];
    register('test-hidden', fakeBackend('test-hidden', log), -1);
    register('test-broken', fakeBackend('test-broken', log, true), 10_000);
    const error = await rejection(resolveBackend(['test-broken']));
    expect(error).toMatchObject({ code: 'NO_BACKEND' });
    expect((await resolveBackend('test-hidden')).name).toBe('test-hidden');
  });

  it('answers NO_BACKEND saying why each failed and which package to install', async () => {
    const log: string[] = [];
    register('test-broken', fakeBackend('test-broken', log, true), 1);
    const error = await rejection(resolveBackend(['test-broken', 'test-unknown']));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.code).toBe('NO_BACKEND');
    expect(error.message).toContain('"test-broken" failed to start: test-broken is not installed');
    expect(error.message).toContain('"test-unknown" is not registered');
    expect(error.message).toContain('npm i onnxruntime-node');
    expect(error.message).toContain('npm i onnxruntime-web');
  });

  it('re-registering a name replaces the backend and its initialization', async () => {
    const log: string[] = [];
    register('test-replaced', fakeBackend('test-replaced', log, true), 1);
    await expect(resolveBackend('test-replaced')).rejects.toThrow(RuntimeError);
    register('test-replaced', fakeBackend('test-replaced', log), 1);
    expect((await resolveBackend('test-replaced')).name).toBe('test-replaced');
  });

  it('refuses what is not a backend', () => {
    expect(() => registerBackend('', fakeBackend('x', []), 1)).toThrow(RuntimeError);
    expect(() => registerBackend('test-x', {} as Backend, 1)).toThrow(/init\(\) and createSession/);
    expect(() => registerBackend('test-x', fakeBackend('x', []), Number.NaN)).toThrow(RuntimeError);
  });
});
