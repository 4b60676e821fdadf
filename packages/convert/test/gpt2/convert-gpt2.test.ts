import { describe, expect, it } from 'vitest';
import { convertGpt2ToOnnx } from '../../src/convert-checkpoint.js';
import { ConvertError } from '../../src/errors.js';
import {
  argmax,
  CachedDecoder,
  createSession,
  loadFixture,
  loadTinyGpt2,
  maxAbsoluteDifference,
  readReference,
} from './fixture-model.js';

describe('convertGpt2ToOnnx', () => {
  const tiny = loadTinyGpt2();

  it('describes the model it wrote', () => {
    const model = convertGpt2ToOnnx(tiny.weights, tiny.config, { dtype: 'fp32' });
    expect(model.metadata).toMatchObject({
      dtype: 'fp32',
      variant: 'optimized',
      layerCount: 2,
      headCount: 4,
      headSize: 16,
      vocabularySize: 1000,
      contextLength: 128,
    });
    expect(model.metadata.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
      'num_logits_to_keep',
    ]);
    expect(model.metadata.outputNames).toEqual([
      'logits',
      'present.0.key',
      'present.0.value',
      'present.1.key',
      'present.1.value',
    ]);
    const bytes = model.toBytes();
    expect(bytes.byteLength).toBe(model.metadata.byteLength);
    expect(model.chunks.reduce((total, chunk) => total + chunk.byteLength, 0)).toBe(
      bytes.byteLength,
    );
    // The float32 weights are written as they are: the file is the weights plus a little.
    expect(model.metadata.byteLength - model.metadata.weightByteLength).toBeLessThan(40_000);
    expect(model.metadata.keyValueOutputs).toBe('present');
  });

  it("names the key/value outputs new_key_values.* with keyValueOutputs: 'new'", () => {
    const model = convertGpt2ToOnnx(tiny.weights, tiny.config, {
      dtype: 'q4',
      keyValueOutputs: 'new',
    });
    expect(model.metadata.keyValueOutputs).toBe('new');
    expect(model.metadata.outputNames).toEqual([
      'logits',
      'new_key_values.0.key',
      'new_key_values.0.value',
      'new_key_values.1.key',
      'new_key_values.1.value',
    ]);
  });

  it('references the weight arrays instead of copying them', () => {
    const model = convertGpt2ToOnnx(tiny.weights, tiny.config, { dtype: 'fp32' });
    const wte = tiny.weights.tokenEmbedding.data;
    const chunk = model.chunks.find(
      (candidate) => candidate.buffer === wte.buffer && candidate.byteOffset === wte.byteOffset,
    );
    expect(chunk?.byteLength).toBe(wte.byteLength);
  });

  it('reports progress up to done', () => {
    const calls: [number, number, string][] = [];
    convertGpt2ToOnnx(tiny.weights, tiny.config, {
      dtype: 'q4',
      onProgress: (done, total, stage) => calls.push([done, total, stage]),
    });
    const total = calls[0]![1];
    expect(total).toBe(tiny.config.layerCount + 3);
    expect(calls.map(([done]) => done)).toEqual(
      Array.from({ length: total + 1 }, (_, index) => index),
    );
    expect(calls.every(([, callTotal]) => callTotal === total)).toBe(true);
  });

  it('stores tied embeddings once: the tied file is smaller than the untied one', () => {
    const untied = loadFixture('tiny-gpt2-untied');
    for (const dtype of ['fp32', 'fp16', 'q8', 'int8', 'q4'] as const) {
      const tiedBytes = convertGpt2ToOnnx(tiny.weights, tiny.config, { dtype }).metadata
        .weightByteLength;
      const untiedBytes = convertGpt2ToOnnx(untied.weights, untied.config, { dtype }).metadata
        .weightByteLength;
      const tableBytes =
        tiny.config.vocabularySize *
        tiny.config.embeddingSize *
        { fp32: 4, fp16: 2, q8: 1, int8: 1, q4: 0.5 }[dtype];
      expect(untiedBytes - tiedBytes, dtype).toBeGreaterThanOrEqual(tableBytes);
    }
  });

  it.each(['plain', 'optimized'] as const)(
    'untied lm_head (%s): prefill and cached steps match the reference',
    async (variant) => {
      const untied = loadFixture('tiny-gpt2-untied');
      expect(untied.weights.languageModelHead).toBeDefined();
      const reference = readReference('tiny-gpt2-untied');
      const model = convertGpt2ToOnnx(untied.weights, untied.config, { dtype: 'fp32', variant });
      const decoder = new CachedDecoder(await createSession(model.toBytes()), untied.config);
      for (const prompt of reference.prompts) {
        decoder.reset(1);
        const { logits } = await decoder.run(
          [prompt.input_ids],
          [prompt.input_ids.map((_, index) => index)],
        );
        prompt.prefill_logits.forEach((expected, position) => {
          expect(maxAbsoluteDifference(logits[0]![position]!, expected)).toBeLessThanOrEqual(1e-4);
        });
        for (const step of prompt.steps) {
          const result = await decoder.run([[step.input_id]], [[step.position]]);
          expect(maxAbsoluteDifference(result.logits[0]![0]!, step.logits)).toBeLessThanOrEqual(
            1e-4,
          );
          expect(argmax(result.logits[0]![0]!)).toBe(step.argmax);
        }
      }
    },
  );

  it.each([['tiny-gpt2-fp16'], ['tiny-gpt2-bf16']])(
    '%s (half-precision checkpoint, upcast): matches its reference',
    async (fixture) => {
      const { config, weights } = loadFixture(fixture);
      const reference = readReference(fixture);
      const model = convertGpt2ToOnnx(weights, config, { dtype: 'fp32' });
      const decoder = new CachedDecoder(await createSession(model.toBytes()), config);
      const prompt = reference.prompts[1]!;
      decoder.reset(1);
      const { logits } = await decoder.run(
        [prompt.input_ids],
        [prompt.input_ids.map((_, index) => index)],
      );
      prompt.prefill_logits.forEach((expected, position) => {
        expect(maxAbsoluteDifference(logits[0]![position]!, expected)).toBeLessThanOrEqual(1e-4);
      });
    },
  );

  it('refuses an unknown dtype or variant with a typed error', () => {
    const attempt = (options: object) => () =>
      convertGpt2ToOnnx(tiny.weights, tiny.config, options as { dtype: 'fp32' });
    expect(attempt({ dtype: 'int3' })).toThrowError(ConvertError);
    expect(attempt({ dtype: 'int3' })).toThrowError(/fp32, fp16, q8, int8, q4/);
    expect(attempt({ dtype: 'fp32', variant: 'fast' })).toThrowError(/optimized/);
    expect(attempt({ dtype: 'fp32', keyValueOutputs: 'all' })).toThrowError(/present/);
    try {
      attempt({ dtype: 'int3' })();
    } catch (error) {
      expect((error as ConvertError).code).toBe('CONFIG_UNSUPPORTED');
    }
  });

  it('refuses weights that do not fit the config', () => {
    const wrong = { ...tiny.config, embeddingSize: 32 };
    expect(() => convertGpt2ToOnnx(tiny.weights, wrong, { dtype: 'fp32' })).toThrowError(
      expect.objectContaining({ code: 'WEIGHTS_MISMATCH' }),
    );
    const fewerLayers = { ...tiny.config, layerCount: 1 };
    expect(() => convertGpt2ToOnnx(tiny.weights, fewerLayers, { dtype: 'fp32' })).toThrowError(
      /layers/,
    );
  });
});
