import { describe, expect, it } from 'vitest';
import { tensorToFloat32 } from '../../src/checkpoint/float32-conversion.js';
import { readGpt2Config } from '../../src/checkpoint/gpt2-config.js';
import { normalizeGpt2StateDict } from '../../src/checkpoint/gpt2-weights.js';
import { ConvertError } from '../../src/errors.js';
import type { DataType, StateDict, Tensor } from '../../src/tensor.js';

const config = readGpt2Config({ n_layer: 2, n_embd: 4, n_head: 2, vocab_size: 7, n_positions: 5 });

let counter = 0;
/** A float32 tensor with distinct values. */
function tensor(shape: number[]): Tensor {
  const count = shape.reduce((product, size) => product * size, 1);
  const values = Float32Array.from({ length: count }, () => ++counter / 8);
  return { dtype: 'float32', shape, data: new Uint8Array(values.buffer) };
}

/** A complete GPT2LMHeadModel state dict for `config`, keys with `prefix`. */
function stateDict(prefix = 'transformer.'): StateDict {
  const result: StateDict = new Map();
  const add = (name: string, shape: number[]) => result.set(`${prefix}${name}`, tensor(shape));
  add('wte.weight', [7, 4]);
  add('wpe.weight', [5, 4]);
  for (let layer = 0; layer < 2; layer++) {
    const h = `h.${layer}.`;
    add(`${h}ln_1.weight`, [4]);
    add(`${h}ln_1.bias`, [4]);
    add(`${h}attn.bias`, [1, 1, 5, 5]);
    result.set(`${prefix}${h}attn.masked_bias`, {
      dtype: 'float32',
      shape: [],
      data: new Uint8Array(4),
    });
    add(`${h}attn.c_attn.weight`, [4, 12]);
    add(`${h}attn.c_attn.bias`, [12]);
    add(`${h}attn.c_proj.weight`, [4, 4]);
    add(`${h}attn.c_proj.bias`, [4]);
    add(`${h}ln_2.weight`, [4]);
    add(`${h}ln_2.bias`, [4]);
    add(`${h}mlp.c_fc.weight`, [4, 16]);
    add(`${h}mlp.c_fc.bias`, [16]);
    add(`${h}mlp.c_proj.weight`, [16, 4]);
    add(`${h}mlp.c_proj.bias`, [4]);
  }
  add('ln_f.weight', [4]);
  add('ln_f.bias', [4]);
  return result;
}

function expectMismatch(action: () => unknown, message: RegExp) {
  let error: unknown;
  try {
    action();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConvertError);
  expect((error as ConvertError).code).toBe('WEIGHTS_MISMATCH');
  expect((error as ConvertError).message).toMatch(message);
}

const asFloats = (value: Tensor) =>
  new Float32Array(value.data.buffer, value.data.byteOffset, value.data.length / 4);

describe('normalizeGpt2StateDict', () => {
  it('maps every weight into the typed structure, as views of float32 data', () => {
    const input = stateDict();
    const weights = normalizeGpt2StateDict(input, config);
    expect(weights.tokenEmbedding.shape).toEqual([7, 4]);
    expect(weights.tokenEmbedding.data).toEqual(asFloats(input.get('transformer.wte.weight')!));
    expect(weights.tokenEmbedding.data.buffer).toBe(
      input.get('transformer.wte.weight')!.data.buffer,
    );
    expect(weights.positionEmbedding.shape).toEqual([5, 4]);
    expect(weights.layers.length).toBe(2);
    const layer = weights.layers[1]!;
    expect(layer.attentionQkv.weight.shape).toEqual([4, 12]);
    expect(layer.attentionQkv.weight.data).toEqual(
      asFloats(input.get('transformer.h.1.attn.c_attn.weight')!),
    );
    expect(layer.attentionProjection.bias.data).toEqual(
      asFloats(input.get('transformer.h.1.attn.c_proj.bias')!),
    );
    expect(layer.feedForwardUp.weight.shape).toEqual([4, 16]);
    expect(layer.feedForwardDown.weight.shape).toEqual([16, 4]);
    expect(layer.layerNorm1.weight.data).toEqual(
      asFloats(input.get('transformer.h.1.ln_1.weight')!),
    );
    expect(layer.layerNorm2.bias.data).toEqual(asFloats(input.get('transformer.h.1.ln_2.bias')!));
    expect(weights.finalLayerNorm.bias.data).toEqual(asFloats(input.get('transformer.ln_f.bias')!));
    expect(weights.languageModelHead).toBeUndefined();
  });

  it('accepts keys without the transformer. prefix and without the mask buffers', () => {
    const bare = stateDict('');
    for (const key of [...bare.keys()]) if (/\.attn\.(masked_)?bias$/.test(key)) bare.delete(key);
    expect(normalizeGpt2StateDict(bare, config).layers.length).toBe(2);
  });

  it('resolves the output head', () => {
    const tied = stateDict();
    tied.set('lm_head.weight', tied.get('transformer.wte.weight')!);
    expect(normalizeGpt2StateDict(tied, config).languageModelHead).toBeUndefined();
    const copy = tied.get('transformer.wte.weight')!;
    tied.set('lm_head.weight', { ...copy, data: copy.data.slice() });
    expect(normalizeGpt2StateDict(tied, config).languageModelHead).toBeUndefined();

    const untiedConfig = { ...config, tieWordEmbeddings: false };
    const separate = stateDict();
    separate.set('lm_head.weight', tensor([7, 4]));
    const head = normalizeGpt2StateDict(separate, untiedConfig).languageModelHead!;
    expect(head.shape).toEqual([7, 4]);
    expect(head.data).toEqual(asFloats(separate.get('lm_head.weight')!));
    // Equal bytes need no second matrix, even when the config does not tie them.
    expect(normalizeGpt2StateDict(tied, untiedConfig).languageModelHead).toBeUndefined();
    // A tying config wins over a stored head, as in transformers.
    expect(normalizeGpt2StateDict(separate, config).languageModelHead).toBeUndefined();
    expectMismatch(
      () => normalizeGpt2StateDict(stateDict(), untiedConfig),
      /no lm_head\.weight.*tie_word_embeddings: false/,
    );
    separate.set('lm_head.weight', tensor([4, 7]));
    expectMismatch(
      () => normalizeGpt2StateDict(separate, untiedConfig),
      /lm_head\.weight has shape \[4,7\].*expects \[7,4\]/,
    );
  });

  it('names missing, misshapen, duplicate and unexpected weights', () => {
    const missing = stateDict();
    missing.delete('transformer.h.1.mlp.c_fc.bias');
    missing.delete('transformer.ln_f.weight');
    expectMismatch(
      () => normalizeGpt2StateDict(missing, config),
      /lacks 2 weight\(s\).*h\.1\.mlp\.c_fc\.bias, ln_f\.weight/,
    );

    const misshapen = stateDict();
    misshapen.set('transformer.h.0.attn.c_attn.weight', tensor([12, 4]));
    expectMismatch(
      () => normalizeGpt2StateDict(misshapen, config),
      /transformer\.h\.0\.attn\.c_attn\.weight has shape \[12,4\] but .* expects \[4,12\]/,
    );

    const duplicate = stateDict();
    duplicate.set('wte.weight', tensor([7, 4]));
    expectMismatch(
      () => normalizeGpt2StateDict(duplicate, config),
      /both transformer\.wte\.weight and wte\.weight/,
    );

    const extraLayer = stateDict();
    extraLayer.set('transformer.h.2.ln_1.weight', tensor([4]));
    expectMismatch(
      () => normalizeGpt2StateDict(extraLayer, config),
      /does not account for: transformer\.h\.2\.ln_1\.weight/,
    );

    const otherHead = stateDict();
    otherHead.set('multiple_choice_head.summary.weight', tensor([1, 4]));
    expect(normalizeGpt2StateDict(otherHead, config).layers.length).toBe(2);

    const integers = stateDict();
    integers.set('transformer.ln_f.bias', { dtype: 'int32', shape: [4], data: new Uint8Array(16) });
    expectMismatch(
      () => normalizeGpt2StateDict(integers, config),
      /ln_f\.bias is int32, not a floating-point tensor/,
    );
  });

  it('converts half, bfloat16 and double weights to float32', () => {
    const input = stateDict();
    // Values k/8 for small k are exact in every format.
    const wte = Float32Array.from({ length: 28 }, (_, index) => (index - 14) / 8);
    const half = new Uint16Array(wte.length);
    const bfloat = new Uint16Array(wte.length);
    for (let index = 0; index < wte.length; index++) {
      bfloat[index] = new Uint32Array(Float32Array.of(wte[index]!).buffer)[0]! >>> 16;
      half[index] = float32ToHalf(wte[index]!);
    }
    for (const [dtype, data] of [
      ['float16', new Uint8Array(half.buffer)],
      ['bfloat16', new Uint8Array(bfloat.buffer)],
      ['float64', new Uint8Array(Float64Array.from(wte).buffer)],
    ] as [DataType, Uint8Array][]) {
      input.set('transformer.wte.weight', { dtype, shape: [7, 4], data });
      expect(normalizeGpt2StateDict(input, config).tokenEmbedding.data).toEqual(wte);
    }
  });
});

function float32ToHalf(value: number): number {
  const bits = new Uint32Array(Float32Array.of(value).buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  if (value === 0) return sign;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  return sign | (exponent << 10) | ((bits >>> 13) & 0x3ff);
}

describe('tensorToFloat32', () => {
  const of = (dtype: DataType, bytes: number[]) =>
    tensorToFloat32('t', {
      dtype,
      shape: [bytes.length / (dtype === 'float64' ? 8 : 2)],
      data: Uint8Array.from(bytes),
    });

  it('decodes every float16 class exactly', () => {
    const halves = [
      0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00,
      0x3555,
    ];
    const values = of('float16', [...new Uint8Array(Uint16Array.from(halves).buffer)]);
    expect([...values.slice(0, 8)]).toEqual([
      0,
      -0,
      1,
      -2,
      65504,
      2 ** -24,
      1023 * 2 ** -24,
      2 ** -14,
    ]);
    expect(Object.is(values[1], -0)).toBe(true);
    expect(values[8]).toBe(Infinity);
    expect(values[9]).toBe(-Infinity);
    expect(values[10]).toBeNaN();
    expect(values[11]).toBe(Math.fround(0.25 * (1 + 0x155 / 1024)));
  });

  it('decodes bfloat16 as the top half of float32, and rounds float64', () => {
    const values = of('bfloat16', [0x80, 0x3f, 0x00, 0xc0, 0x80, 0x7f, 0x01, 0x00]);
    expect([...values]).toEqual([1, -2, Infinity, 2 ** -133 * 1]);
    expect([...of('float64', [...new Uint8Array(Float64Array.of(0.1, -1e300).buffer)])]).toEqual([
      Math.fround(0.1),
      -Infinity,
    ]);
  });

  it('views aligned float32 data and copies unaligned data', () => {
    const buffer = new ArrayBuffer(20);
    new Float32Array(buffer, 4, 2).set([1.5, -3]);
    const aligned = new Uint8Array(buffer, 4, 8);
    const view = tensorToFloat32('t', { dtype: 'float32', shape: [2], data: aligned });
    expect([...view]).toEqual([1.5, -3]);
    expect(view.buffer).toBe(buffer);
    const unaligned = new Uint8Array(new ArrayBuffer(9), 1, 8);
    unaligned.set(aligned);
    const copy = tensorToFloat32('t', { dtype: 'float32', shape: [2], data: unaligned });
    expect([...copy]).toEqual([1.5, -3]);
    expect(copy.buffer).not.toBe(unaligned.buffer);
  });

  it('rejects data of the wrong length', () => {
    expect(() =>
      tensorToFloat32('t', { dtype: 'float32', shape: [3], data: new Uint8Array(8) }),
    ).toThrowError(/t has 8 bytes, not the 12/);
  });
});
