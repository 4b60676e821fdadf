import { describe, expect, it } from 'vitest';
import { concatenateChunks, ProtobufWriter } from '../../src/onnx/protobuf-writer.js';

const bytes = (writer: ProtobufWriter) => Array.from(concatenateChunks(writer.finish()));

describe('ProtobufWriter', () => {
  it('writes varints as protobuf does', () => {
    expect(bytes(new ProtobufWriter().rawVarint(0))).toEqual([0]);
    expect(bytes(new ProtobufWriter().rawVarint(1))).toEqual([1]);
    expect(bytes(new ProtobufWriter().rawVarint(300))).toEqual([0xac, 0x02]);
    expect(bytes(new ProtobufWriter().rawVarint(2 ** 35))).toEqual([
      0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
    ]);
    expect(bytes(new ProtobufWriter().rawVarint(Number.MAX_SAFE_INTEGER))).toEqual([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f,
    ]);
  });

  it('writes negative int64 as ten-byte two’s complement', () => {
    expect(bytes(new ProtobufWriter().rawVarint(-1))).toEqual([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
    expect(bytes(new ProtobufWriter().rawVarint(-2n))).toEqual([
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
  });

  it('writes tags, fixed-width fields, strings and packed fields', () => {
    expect(bytes(new ProtobufWriter().varint(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtobufWriter().string(2, 'testing'))).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    expect(bytes(new ProtobufWriter().float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtobufWriter().fixed32(3, 1))).toEqual([0x1d, 1, 0, 0, 0]);
    expect(bytes(new ProtobufWriter().fixed64(4, 1))).toEqual([0x21, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(bytes(new ProtobufWriter().double(5, 1))).toEqual([0x29, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(bytes(new ProtobufWriter().packedVarints(4, [3, 270, 86942]))).toEqual([
      0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,
    ]);
    expect(bytes(new ProtobufWriter().varint(1, true))).toEqual([0x08, 0x01]);
  });

  it('nests messages with their length', () => {
    const inner = new ProtobufWriter().varint(1, 150);
    expect(bytes(new ProtobufWriter().message(3, inner))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
  });

  it('keeps large byte arrays by reference: the weight bytes are not copied', () => {
    const weights = new Uint8Array(1 << 20).fill(7);
    const tensor = new ProtobufWriter().varint(2, 1).bytes(9, weights);
    const model = new ProtobufWriter().message(7, tensor);
    const chunks = model.finish();
    expect(chunks.some((chunk) => chunk === weights)).toBe(true);
    expect(model.byteLength).toBe(weights.byteLength + 2 + 1 + 3 + 1 + 3);
    const joined = concatenateChunks(chunks);
    expect(joined.byteLength).toBe(model.byteLength);
    expect(joined[joined.byteLength - 1]).toBe(7);
  });

  it('spans many scratch blocks without losing bytes', () => {
    const writer = new ProtobufWriter();
    for (let index = 0; index < 50_000; index++) writer.varint(1, index);
    const joined = concatenateChunks(writer.finish());
    expect(joined.byteLength).toBe(writer.byteLength);
    // Decode the varints back.
    const decoded: number[] = [];
    let position = 0;
    while (position < joined.byteLength) {
      if (joined[position++] !== 0x08) throw new Error(`bad tag at ${position - 1}`);
      let value = 0;
      let multiplier = 1;
      for (;;) {
        const byte = joined[position++]!;
        value += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if (byte < 0x80) break;
      }
      decoded.push(value);
    }
    expect(decoded).toEqual(Array.from({ length: 50_000 }, (_, index) => index));
  });
});
