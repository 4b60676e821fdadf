import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertGpt2ToOnnx } from '../../src/convert-checkpoint.js';
import {
  argmax,
  CachedDecoder,
  createSession,
  fixturesDirectory,
  loadTinyGpt2,
  maxAbsoluteDifference,
  ort,
  readReference,
} from './fixture-model.js';

const tolerance = 1e-4;
const reference = readReference('tiny-gpt2');
const { config, weights } = loadTinyGpt2();

// `new` key/value outputs: the test keeps the cache, with 3 masked slots of junk after each
// call's entries (as a cache with room to grow has) — the logits must not change.
describe.each([
  { variant: 'plain', keyValueOutputs: 'present', spareSlots: 0 },
  { variant: 'optimized', keyValueOutputs: 'present', spareSlots: 0 },
  { variant: 'plain', keyValueOutputs: 'new', spareSlots: 3 },
  { variant: 'optimized', keyValueOutputs: 'new', spareSlots: 3 },
  { variant: 'optimized', keyValueOutputs: 'new', spareSlots: 3, multiHeadAttention: true },
] as const)(
  'fp32 $variant graph, $keyValueOutputs key/value outputs (MultiHeadAttention $multiHeadAttention), vs the torch reference',
  ({ variant, keyValueOutputs, spareSlots, ...tuning }) => {
    const model = convertGpt2ToOnnx(weights, config, {
      dtype: 'fp32',
      variant,
      keyValueOutputs,
      tuning,
    });
    const sessionPromise = createSession(model.toBytes());

    for (const prompt of reference.prompts) {
      it(`prefill of ${prompt.input_ids.length} tokens: every position's logits`, async () => {
        const decoder = new CachedDecoder(await sessionPromise, config, spareSlots);
        decoder.reset(1);
        const positions = prompt.input_ids.map((_, index) => index);
        const { logits } = await decoder.run([prompt.input_ids], [positions]);
        expect(logits[0]!.length).toBe(prompt.input_ids.length);
        prompt.prefill_logits.forEach((expected, position) => {
          expect(maxAbsoluteDifference(logits[0]![position]!, expected)).toBeLessThanOrEqual(
            tolerance,
          );
        });
      });

      it(`${prompt.name}: cached steps match, then a greedy continuation is identical`, async () => {
        const decoder = new CachedDecoder(await sessionPromise, config, spareSlots);
        decoder.reset(1);
        const length = prompt.input_ids.length;
        const prefill = await decoder.run(
          [prompt.input_ids],
          [prompt.input_ids.map((_, index) => index)],
          undefined,
          1,
        );
        expect(argmax(prefill.logits[0]![0]!)).toBe(prompt.first_token);
        for (const step of prompt.steps) {
          const { logits } = await decoder.run([[step.input_id]], [[step.position]]);
          expect(maxAbsoluteDifference(logits[0]![0]!, step.logits)).toBeLessThanOrEqual(tolerance);
          expect(argmax(logits[0]![0]!)).toBe(step.argmax);
        }
        // Greedy continuation from scratch.
        decoder.reset(1);
        const generated: number[] = [];
        let { logits } = await decoder.run(
          [prompt.input_ids],
          [prompt.input_ids.map((_, index) => index)],
          undefined,
          1,
        );
        while (generated.length < prompt.greedy.length) {
          const next = argmax(logits[0]![logits[0]!.length - 1]!);
          generated.push(next);
          ({ logits } = await decoder.run([[next]], [[length + generated.length - 1]]));
        }
        expect(generated).toEqual(prompt.greedy);
      });
    }

    it('a left-padded batch of 2: last-position logits and cached steps', async () => {
      const decoder = new CachedDecoder(await sessionPromise, config, spareSlots);
      const { batch } = reference;
      decoder.reset(2);
      const { logits } = await decoder.run(
        batch.input_ids,
        batch.position_ids,
        batch.attention_mask,
      );
      for (let row = 0; row < 2; row++) {
        const last = logits[row]![logits[row]!.length - 1]!;
        expect(maxAbsoluteDifference(last, batch.last_logits[row]!)).toBeLessThanOrEqual(tolerance);
        // Padding rows stay finite (no NaN from fully masked attention rows).
        for (const position of logits[row]!) expect(position.every(Number.isFinite)).toBe(true);
      }
      for (const step of batch.steps) {
        const result = await decoder.run(
          step.input_ids.map((id) => [id]),
          step.position_ids.map((position) => [position]),
        );
        for (let row = 0; row < 2; row++) {
          expect(
            maxAbsoluteDifference(result.logits[row]![0]!, step.logits[row]!),
          ).toBeLessThanOrEqual(tolerance);
          expect(argmax(result.logits[row]![0]!)).toBe(step.argmax[row]);
        }
      }
    });

    it('num_logits_to_keep = 1 gives only the last row', async () => {
      const decoder = new CachedDecoder(await sessionPromise, config, spareSlots);
      const prompt = reference.prompts[0]!;
      decoder.reset(1);
      const { logits, dims } = await decoder.run(
        [prompt.input_ids],
        [prompt.input_ids.map((_, index) => index)],
        undefined,
        1,
      );
      expect(dims).toEqual([1, 1, config.vocabularySize]);
      expect(
        maxAbsoluteDifference(logits[0]![0]!, prompt.prefill_logits.at(-1)!),
      ).toBeLessThanOrEqual(tolerance);
    });
  },
);

describe('against the torch.onnx.export of the same model', () => {
  it.each(['plain', 'optimized'] as const)(
    '%s: the same logits and present key/values, prefill and step',
    async (variant) => {
      const exported = await ort.InferenceSession.create(
        join(fixturesDirectory, 'tiny-gpt2', 'torch-export', 'model.onnx'),
      );
      const ours = await createSession(
        convertGpt2ToOnnx(weights, config, { dtype: 'fp32', variant }).toBytes(),
      );
      const batch = reference.batch;
      const int64 = (rows: number[][]) =>
        new ort.Tensor(
          'int64',
          BigInt64Array.from(rows.flat(), (value) => BigInt(value)),
          [rows.length, rows[0]!.length],
        );
      const emptyCache = () =>
        new ort.Tensor('float32', new Float32Array(0), [2, config.headCount, 0, 16]);
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
        input_ids: int64(batch.input_ids),
        attention_mask: int64(batch.attention_mask),
        position_ids: int64(batch.position_ids),
      };
      for (let layer = 0; layer < config.layerCount; layer++) {
        feeds[`past_key_values.${layer}.key`] = emptyCache();
        feeds[`past_key_values.${layer}.value`] = emptyCache();
      }
      const expected = await exported.run(feeds);
      const actual = await ours.run({
        ...feeds,
        num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.from([0n]), []),
      });
      for (const name of exported.outputNames) {
        const want = expected[name]!;
        const got = actual[name]!;
        expect(got.dims, name).toEqual(want.dims);
        if (name === 'logits') {
          // Padding rows differ by design (-1e9 vs finfo.min in masked scores): compare real tokens.
          const vocabulary = config.vocabularySize;
          for (let row = 0; row < 2; row++) {
            batch.attention_mask[row]!.forEach((mask, position) => {
              if (!mask) return;
              const offset = (row * batch.input_ids[0]!.length + position) * vocabulary;
              const wantRow = Array.from(
                (want.data as Float32Array).subarray(offset, offset + vocabulary),
              );
              const gotRow = Array.from(
                (got.data as Float32Array).subarray(offset, offset + vocabulary),
              );
              expect(maxAbsoluteDifference(gotRow, wantRow)).toBeLessThanOrEqual(tolerance);
            });
          }
        } else {
          expect(
            maxAbsoluteDifference(
              Array.from(got.data as Float32Array),
              Array.from(want.data as Float32Array),
            ),
            name,
          ).toBeLessThanOrEqual(tolerance);
        }
      }
    },
  );
});
