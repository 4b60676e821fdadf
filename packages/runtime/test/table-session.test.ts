import { describe, expect, it } from 'vitest';
import { Model, RuntimeError } from '../src/index.js';
import { TableSession, tableConfig } from './table-session.js';

function row(logits: Float32Array, index: number): number[] {
  return Array.from(logits.subarray(index * 8, index * 8 + 4));
}

describe('DecoderSession feeds (table model)', () => {
  it('passes num_logits_to_keep = 1 for prefill and steps, 0 for logitsAll', async () => {
    const table = new TableSession({ logitsToKeep: true });
    const model = new Model(table.asInferenceSession(), tableConfig);
    expect(model.signature.logitsToKeep).toBe('num_logits_to_keep');
    const session = model.createSession();
    const logits = await session.prefill([3, 4, 5]);
    expect(table.runs[0].logitsToKeep).toBe(1);
    expect(row(logits, 0)).toEqual([5, 2, 3, 0]);
    const all = await session.logitsAll([3, 4, 5]);
    expect(table.runs[1].logitsToKeep).toBe(0);
    expect(all.length).toBe(3 * 8);
    expect([0, 1, 2].map((position) => row(all, position))).toEqual([
      [3, 0, 3, 0],
      [4, 1, 3, 0],
      [5, 2, 3, 0],
    ]);
    const step = await session.step(6);
    expect(table.runs[2].logitsToKeep).toBe(1);
    expect(row(step, 0)).toEqual([6, 3, 4, 3]);
  });

  it('slices the last position itself when the model has no num_logits_to_keep', async () => {
    const table = new TableSession();
    const session = new Model(table.asInferenceSession(), tableConfig).createSession();
    const logits = await session.prefill([[1, 2, 3], [4]]);
    expect(logits.length).toBe(2 * 8);
    expect(row(logits, 0)).toEqual([3, 2, 3, 0]);
    expect(row(logits, 1)).toEqual([4, 0, 1, 0]);
  });

  it('left-pads rows: mask 0 on pads, positions = max(cumsum(mask) − 1, 0); steps continue them', async () => {
    const table = new TableSession({ useCacheBranch: true });
    const session = new Model(table.asInferenceSession(), tableConfig).createSession({
      padTokenId: 7,
    });
    await session.prefill([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    expect(table.runs[0]).toMatchObject({
      inputIds: [
        [1, 2, 3, 4],
        [7, 7, 5, 6],
      ],
      attentionMask: [
        [1, 1, 1, 1],
        [0, 0, 1, 1],
      ],
      positionIds: [
        [0, 1, 2, 3],
        [0, 0, 0, 1],
      ],
      pastLength: 0,
      useCacheBranch: false,
    });
    const logits = await session.step([1, 2]);
    expect(table.runs[1]).toMatchObject({
      inputIds: [[1], [2]],
      attentionMask: [
        [1, 1, 1, 1, 1],
        [0, 0, 1, 1, 1],
      ],
      positionIds: [[4], [2]],
      pastLength: 4,
      useCacheBranch: true,
    });
    expect(row(logits, 1)).toEqual([2, 2, 3, 4]);
    expect(session.tokenIds).toEqual([
      [1, 2, 3, 4, 1],
      [7, 7, 5, 6, 2],
    ]);
  });

  it('feeds the cache back in order and disposes every tensor', async () => {
    const table = new TableSession();
    const session = new Model(table.asInferenceSession(), tableConfig).createSession();
    await session.prefill([1, 2]);
    await session.step(3);
    await session.step(4);
    // The key cache of the table model holds the token ids: the third run got [1, 2, 3].
    expect(Array.from(table.runs[2].inputIds[0])).toEqual([4]);
    expect(table.runs[2].pastLength).toBe(3);
    const live = table.tensors.filter((tensor) => tensor.location !== 'none');
    expect(live.length).toBe(2); // present.0.key / .value of the last step: the cache
    await session.dispose();
    expect(table.tensors.filter((tensor) => tensor.location !== 'none')).toEqual([]);
  });

  it('slides by re-prefilling the kept tokens at positions 0 …', async () => {
    const table = new TableSession();
    const session = new Model(table.asInferenceSession(), tableConfig).createSession({
      slidingWindow: true,
      slidingWindowKeep: 4,
    });
    const prompt = Array.from({ length: 16 }, (_, index) => index % 8);
    await session.prefill(prompt);
    const logits = await session.step(7);
    const last = table.runs.at(-1)!;
    expect(last.pastLength).toBe(0);
    expect(last.inputIds).toEqual([[5, 6, 7, 7]]);
    expect(last.positionIds).toEqual([[0, 1, 2, 3]]);
    expect(row(logits, 0)).toEqual([7, 3, 4, 0]);
    expect(session.length).toBe(4);
    await session.dispose();
    expect(table.tensors.filter((tensor) => tensor.location !== 'none')).toEqual([]);
  });

  it('handles float16 caches and logits', async () => {
    const table = new TableSession({ float16: true });
    const model = new Model(table.asInferenceSession(), tableConfig);
    expect(model.signature.keyValueType).toBe('float16');
    const session = model.createSession();
    const logits = await session.prefill([3, 5]);
    expect(table.runs[0].pastType).toBe('float16');
    expect(logits).toBeInstanceOf(Float32Array);
    expect(row(logits, 0)).toEqual([5, 1, 2, 0]);
    expect(row(await session.step(6), 0)).toEqual([6, 2, 3, 2]);
  });

  it('refuses a session without past key values (MODEL_INVALID) and a disposed model', async () => {
    const table = new TableSession();
    const broken = { ...table, inputNames: ['input_ids'], outputNames: ['logits'] };
    expect(() => new Model(broken as never, tableConfig)).toThrow(/past key values/);
    const model = new Model(table.asInferenceSession(), tableConfig);
    const session = model.createSession();
    await model.dispose();
    expect(table.released).toBe(true);
    expect(() => model.createSession()).toThrow(RuntimeError);
    await expect(session.prefill([1])).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
