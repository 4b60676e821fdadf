import { describe, expect, it } from 'vitest';
import { KeyValueBufferPool } from './key-value-buffer-pool.js';

describe('KeyValueBufferPool', () => {
  it('gives back the smallest kept buffer that is big enough, of the asked type', () => {
    const pool = new KeyValueBufferPool(8);
    const small = new Float32Array(10);
    const large = new Float32Array(100);
    const half = new Uint16Array(50);
    pool.give([large, small, half]);
    expect(pool.take(5, 'float32')).toBe(small);
    expect(pool.take(5, 'float32')).toBe(large);
    expect(pool.take(5, 'float32')).toBeUndefined();
    expect(pool.take(60, 'float16')).toBeUndefined();
    expect(pool.take(50, 'float16')).toBe(half);
    expect(pool.size).toBe(0);
  });

  it('keeps at most its limit (the largest buffers), each once, and lets go of all on drain', () => {
    const pool = new KeyValueBufferPool(2);
    const buffers = [1, 4, 2, 3].map((length) => new Float32Array(length));
    pool.give(buffers);
    pool.give([buffers[1]!]);
    expect(pool.size).toBe(2);
    expect(pool.take(1, 'float32')?.length).toBe(3);
    expect(pool.take(1, 'float32')?.length).toBe(4);
    pool.give(buffers);
    pool.drain();
    expect(pool.size).toBe(0);
  });
});
