import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model, RuntimeError } from '../src/node.js';
import {
  argmax,
  makeModelFolder,
  maxAbsDifference,
  type Reference,
  readReference,
  rejection,
  removeFolder,
  temporaryFolder,
} from './fixtures.js';

const tolerance = 1e-4;
let model: Model;
let reference: Reference;
let temporary: string;

beforeAll(async () => {
  reference = await readReference();
  temporary = await temporaryFolder();
  model = await loadModel(await makeModelFolder(temporary), {
    tokenizer: false,
    sessionOptions: { intraOpNumThreads: 1 },
  });
});

afterAll(async () => {
  await model?.dispose();
  await removeFolder(temporary);
});

describe('DecoderSession against the plain-torch reference', () => {
  it('reads the config and the model signature', () => {
    expect(model.config).toMatchObject({
      layerCount: 2,
      headCount: 4,
      hiddenSize: 64,
      headSize: 16,
      contextLength: 128,
      vocabularySize: 1000,
    });
    expect(model.signature.logitsToKeep).toBeUndefined();
    expect(model.signature.pastKeys).toEqual(['past_key_values.0.key', 'past_key_values.1.key']);
    expect(model.backend).toBe('onnxruntime-node');
  });

  for (const promptName of ['p8', 'p40']) {
    it(`prefill and 5 cached steps match (${promptName})`, async () => {
      const prompt = reference.prompts.find((item) => item.name === promptName)!;
      const session = model.createSession();
      const logits = await session.prefill(prompt.input_ids);
      expect(logits.length).toBe(1000);
      expect(maxAbsDifference(logits, prompt.prefill_logits.at(-1)!)).toBeLessThanOrEqual(
        tolerance,
      );
      expect(argmax(logits)).toBe(prompt.first_token);
      expect(session.length).toBe(prompt.input_ids.length);
      for (const step of prompt.steps) {
        const stepLogits = await session.step(step.input_id);
        expect(session.length).toBe(step.position + 1);
        expect(maxAbsDifference(stepLogits, step.logits)).toBeLessThanOrEqual(tolerance);
        expect(argmax(stepLogits)).toBe(step.argmax);
      }
      await session.dispose();
    });

    it(`logitsAll matches every position (${promptName})`, async () => {
      const prompt = reference.prompts.find((item) => item.name === promptName)!;
      const session = model.createSession();
      const logits = await session.logitsAll(prompt.input_ids);
      expect(logits.length).toBe(prompt.input_ids.length * 1000);
      expect(maxAbsDifference(logits, prompt.prefill_logits.flat())).toBeLessThanOrEqual(tolerance);
      // The cache is kept: stepping on continues like after prefill.
      const next = await session.step(prompt.steps[0].input_id);
      expect(maxAbsDifference(next, prompt.steps[0].logits)).toBeLessThanOrEqual(tolerance);
      await session.dispose();
    });

    it(`greedy continuation of 20 tokens is identical (${promptName})`, async () => {
      const prompt = reference.prompts.find((item) => item.name === promptName)!;
      const session = model.createSession();
      let logits = await session.prefill(prompt.input_ids);
      const generated: number[] = [];
      while (generated.length < prompt.greedy.length) {
        const next = argmax(logits);
        generated.push(next);
        if (generated.length < prompt.greedy.length) logits = await session.step(next);
      }
      expect(generated).toEqual(prompt.greedy);
      await session.dispose();
    });
  }

  it('a left-padded batch matches the reference (mask, positions, steps)', async () => {
    const batch = reference.batch;
    const rows = batch.input_ids.map((row, index) =>
      row.filter((_, column) => batch.attention_mask[index][column] === 1),
    );
    const session = model.createSession({ padTokenId: batch.pad_id });
    const logits = await session.prefill(rows);
    expect(session.batchSize).toBe(2);
    expect(session.length).toBe(batch.input_ids[0].length);
    expect(session.tokenIds).toEqual(batch.input_ids);
    expect(logits.length).toBe(2 * 1000);
    expect(maxAbsDifference(logits, batch.last_logits.flat())).toBeLessThanOrEqual(tolerance);
    for (const step of batch.steps) {
      const stepLogits = await session.step(step.input_ids);
      expect(maxAbsDifference(stepLogits, step.logits.flat())).toBeLessThanOrEqual(tolerance);
      expect([argmax(stepLogits, 0, 1000), argmax(stepLogits, 1000, 1000)]).toEqual(step.argmax);
    }
    await session.dispose();
  });

  it('each row of a batch gets the logits it gets alone', async () => {
    const prompt = reference.prompts.find((item) => item.name === 'p8')!;
    const short = prompt.input_ids.slice(3);
    const alone = await model.createSession().prefill(short);
    const batched = await model.createSession().prefill([prompt.input_ids, short]);
    expect(maxAbsDifference(batched.subarray(1000), alone)).toBeLessThanOrEqual(tolerance);
  });
});

describe('DecoderSession limits', () => {
  it('throws CONTEXT_OVERFLOW past n_positions', async () => {
    const session = model.createSession();
    const tooLong = Array.from({ length: 129 }, (_, index) => index % 1000);
    await expect(session.prefill(tooLong)).rejects.toMatchObject({ code: 'CONTEXT_OVERFLOW' });
    await session.prefill(tooLong.slice(0, 127));
    await session.step(5); // 128 tokens: exactly full
    expect(session.length).toBe(128);
    const overflow = await rejection(session.step(6));
    expect(overflow).toBeInstanceOf(RuntimeError);
    expect(overflow.code).toBe('CONTEXT_OVERFLOW');
    expect(overflow.message).toMatch(/slidingWindow/);
    expect(session.length).toBe(128);
    await session.dispose();
  });

  it('slides the window: drops the oldest tokens and re-prefills the rest', async () => {
    const keep = 48;
    const session = model.createSession({ slidingWindow: true, slidingWindowKeep: keep });
    const prompt = Array.from({ length: 120 }, (_, index) => (index * 37) % 1000);
    let logits = await session.prefill(prompt);
    const history = [...prompt];
    for (let step = 0; step < 30; step++) {
      const next = argmax(logits);
      history.push(next);
      logits = await session.step(next);
      expect(session.length).toBeLessThanOrEqual(128);
      if (history.length === 129) {
        // The slide: the last `keep` tokens (new one included) at positions 0 … keep − 1.
        expect(session.length).toBe(keep);
        const fresh = model.createSession();
        const expected = await fresh.prefill(history.slice(-keep));
        expect(maxAbsDifference(logits, expected)).toBeLessThanOrEqual(tolerance);
        await fresh.dispose();
      }
    }
    expect(session.tokenIds[0]).toEqual(history.slice(-session.length));
    // A prompt longer than n_positions keeps its last n_positions tokens.
    const long = Array.from({ length: 200 }, (_, index) => index);
    const kept = await session.prefill(long);
    expect(session.length).toBe(128);
    const fresh = await model.createSession().prefill(long.slice(-128));
    expect(maxAbsDifference(kept, fresh)).toBeLessThanOrEqual(tolerance);
    await session.dispose();
  });

  it('rejects use after dispose with DISPOSED', async () => {
    const session = model.createSession();
    await session.prefill([1, 2, 3]);
    const disposing = session.dispose();
    await expect(session.step(4)).rejects.toMatchObject({ code: 'DISPOSED' });
    await disposing;
    await expect(session.prefill([1])).rejects.toMatchObject({ code: 'DISPOSED' });
    expect(session.disposed).toBe(true);
    expect(session.length).toBe(0);
  });

  it('rejects bad input with INVALID_ARGUMENT', async () => {
    const session = model.createSession();
    await expect(session.step(1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(session.prefill([])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(session.prefill([[1, 2], []])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(session.prefill([1, 1000])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(session.prefill([1, 2.5])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await session.prefill([[1, 2], [3]]);
    await expect(session.step(4)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => model.createSession({ slidingWindowKeep: 0 })).toThrow(RuntimeError);
    expect(() => model.createSession({ slidingWindowKeep: 129 })).toThrow(RuntimeError);
    await session.dispose();
  });

  it('queues overlapping calls in order', async () => {
    const prompt = reference.prompts.find((item) => item.name === 'p8')!;
    const session = model.createSession();
    const [, ...steps] = await Promise.all([
      session.prefill(prompt.input_ids),
      ...prompt.steps.map((step) => session.step(step.input_id)),
    ]);
    steps.forEach((logits, index) => {
      expect(maxAbsDifference(logits, prompt.steps[index].logits)).toBeLessThanOrEqual(tolerance);
    });
    await session.dispose();
  });
});
