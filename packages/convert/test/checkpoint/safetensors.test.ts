import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/checkpoint/safetensors.js';
import { ConvertError } from '../../src/errors.js';

/** A safetensors file with the given header object (padded with spaces to 8 bytes) and data. */
function safetensors(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  let text = headerText ?? JSON.stringify(header);
  while ((8 + new TextEncoder().encode(text).length) % 8 !== 0) text += ' ';
  const json = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

function expectInvalid(bytes: Uint8Array, message: RegExp) {
  let error: unknown;
  try {
    readSafetensors(bytes);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConvertError);
  expect((error as ConvertError).code).toBe('CHECKPOINT_INVALID');
  expect((error as ConvertError).message).toMatch(message);
}

describe('readSafetensors', () => {
  it('reads every supported dtype as views of the file, ignoring __metadata__', () => {
    const data = new Uint8Array(8 + 4 + 4 + 8 + 2 + 2 + 1 + 1 + 1 + 0);
    data.set(new Uint8Array(Float64Array.of(2.5).buffer), 0);
    data.set(new Uint8Array(Float32Array.of(1.5).buffer), 8);
    data.set(new Uint8Array(Int32Array.of(-7).buffer), 12);
    data.set(new Uint8Array(BigInt64Array.of(-9n).buffer), 16);
    data.set([0x00, 0x3c, 0x80, 0x3f, 0xff, 0x01, 0x01], 24);
    const header = {
      __metadata__: { format: 'pt' },
      d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
      f: { dtype: 'F32', shape: [], data_offsets: [8, 12] },
      i: { dtype: 'I32', shape: [1, 1], data_offsets: [12, 16] },
      l: { dtype: 'I64', shape: [1], data_offsets: [16, 24] },
      h: { dtype: 'F16', shape: [1], data_offsets: [24, 26] },
      b: { dtype: 'BF16', shape: [1], data_offsets: [26, 28] },
      s: { dtype: 'I8', shape: [1], data_offsets: [28, 29] },
      u: { dtype: 'U8', shape: [1], data_offsets: [29, 30] },
      o: { dtype: 'BOOL', shape: [1], data_offsets: [30, 31] },
      e: { dtype: 'F32', shape: [0, 4], data_offsets: [31, 31] },
    };
    const bytes = safetensors(header, data);
    const stateDict = readSafetensors(bytes);
    expect([...stateDict.keys()]).toEqual(['d', 'f', 'i', 'l', 'h', 'b', 's', 'u', 'o', 'e']);
    expect(stateDict.get('d')).toMatchObject({ dtype: 'float64', shape: [1] });
    expect(stateDict.get('f')).toMatchObject({ dtype: 'float32', shape: [] });
    expect(new Float32Array(stateDict.get('f')!.data.slice().buffer)[0]).toBe(1.5);
    expect(stateDict.get('i')).toMatchObject({ dtype: 'int32', shape: [1, 1] });
    expect(stateDict.get('l')!.dtype).toBe('int64');
    expect([...stateDict.get('h')!.data]).toEqual([0x00, 0x3c]);
    expect(stateDict.get('h')!.dtype).toBe('float16');
    expect(stateDict.get('b')!.dtype).toBe('bfloat16');
    expect(stateDict.get('s')!.dtype).toBe('int8');
    expect(stateDict.get('u')!.dtype).toBe('uint8');
    expect(stateDict.get('o')!.dtype).toBe('bool');
    expect(stateDict.get('e')!.data.length).toBe(0);
    expect(stateDict.get('d')!.data.buffer).toBe(bytes.buffer);
  });

  it('reads an empty file with only a header', () => {
    expect(readSafetensors(safetensors({}, new Uint8Array(0))).size).toBe(0);
  });

  it('checks the header length', () => {
    expectInvalid(new Uint8Array(5), /only 5 bytes/);
    const tooLong = safetensors({}, new Uint8Array(0));
    new DataView(tooLong.buffer).setBigUint64(0, 1000n, true);
    expectInvalid(tooLong, /header length of 1000 bytes in a 16-byte file/);
    new DataView(tooLong.buffer).setBigUint64(0, 2n ** 63n, true);
    expectInvalid(tooLong, /at most 100 MB/);
    new DataView(tooLong.buffer).setBigUint64(0, 100_000_001n, true);
    expectInvalid(tooLong, /at most 100 MB/);
  });

  it('checks the JSON', () => {
    expectInvalid(safetensors(null, new Uint8Array(0), '{"a": '), /not a JSON object/);
    expectInvalid(safetensors(null, new Uint8Array(0), '[1, 2]'), /does not start with \{/);
    expectInvalid(safetensors(null, new Uint8Array(0), ' {}'), /does not start with \{/);
    const invalidUtf8 = safetensors(null, new Uint8Array(0), '{"\u00ff": 1}');
    invalidUtf8[11] = 0xff;
    expectInvalid(invalidUtf8, /not a JSON object/);
    expectInvalid(safetensors({ a: 5 }, new Uint8Array(0)), /header entry of a is not an object/);
  });

  it('checks dtypes, shapes and offsets', () => {
    const four = new Uint8Array(4);
    const entry = (value: object) =>
      safetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], ...value } }, four);
    expectInvalid(entry({ dtype: 'F8_E4M3' }), /dtype "F8_E4M3".*reads F32, F16, BF16/);
    expectInvalid(entry({ dtype: 'toString' }), /dtype "toString"/);
    expectInvalid(entry({ dtype: undefined }), /no dtype/);
    expectInvalid(entry({ shape: [-1] }), /shape/);
    expectInvalid(entry({ shape: [1.5] }), /shape/);
    expectInvalid(entry({ shape: 'x' }), /shape/);
    expectInvalid(entry({ shape: [2] }), /needs 8 bytes but its data_offsets span 4/);
    expectInvalid(entry({ data_offsets: [0] }), /two integers/);
    expectInvalid(entry({ data_offsets: [0, 8] }), /outside the 4-byte data section/);
    expectInvalid(entry({ data_offsets: [4, 0] }), /outside/);
    expectInvalid(entry({ data_offsets: [-4, 0] }), /outside/);
  });

  it('requires the tensors to tile the data section exactly', () => {
    const eight = new Uint8Array(8);
    const f32 = (begin: number) => ({ dtype: 'F32', shape: [1], data_offsets: [begin, begin + 4] });
    expect(readSafetensors(safetensors({ b: f32(4), a: f32(0) }, eight)).size).toBe(2);
    expectInvalid(safetensors({ a: f32(0), b: f32(2) }, eight), /b overlaps another tensor/);
    expectInvalid(safetensors({ a: f32(0), b: f32(0) }, eight), /overlaps/);
    expectInvalid(safetensors({ a: f32(4) }, eight), /gap of unused bytes 0–4 before a/);
    expectInvalid(safetensors({ a: f32(0) }, eight), /cover 4 of the 8 data bytes/);
  });
});
