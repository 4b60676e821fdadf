/** Protobuf wire types (the low three bits of a field tag). */
export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  fixed32: 5,
} as const;

/** Byte arrays at least this long are kept by reference instead of copied into the scratch block. */
const referenceThreshold = 512;
/** Size of each scratch block that small fields are written into. */
const scratchBlockSize = 64 * 1024;

const utf8 = new TextEncoder();

/**
 * A writer of the protobuf wire format that never copies large byte arrays.
 *
 * Small fields (tags, varints, short strings) go into 64 KiB scratch blocks; byte arrays of
 * 512 bytes or more (tensor data) are kept by reference as chunks of their own. A nested message
 * is written completely first (its length is then known), and its chunks are appended to the
 * parent by reference. `finish()` returns the list of chunks: concatenate it once (or write the
 * chunks to a file one after the other) and the weight bytes are copied exactly once.
 *
 * Not thread-safe, not reusable after `finish()`.
 */
export class ProtobufWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(0);
  private scratchView = new DataView(this.scratch.buffer);
  /** Start of the part of `scratch` not yet pushed to `chunks`. */
  private pendingStart = 0;
  private position = 0;
  /** Bytes already pushed to `chunks`. */
  private flushedLength = 0;

  /** Total bytes written so far. */
  get byteLength(): number {
    return this.flushedLength + (this.position - this.pendingStart);
  }

  /** Writes a field tag (field number and wire type). */
  tag(field: number, wireType: number): this {
    return this.rawVarint(field * 8 + wireType);
  }

  /**
   * Writes an unsigned or signed integer as a varint, without a tag. Negative numbers are written
   * as 64-bit two's complement (ten bytes), as protobuf does for `int32` and `int64`.
   */
  rawVarint(value: number | bigint): this {
    if (typeof value === 'bigint' || value < 0 || value > Number.MAX_SAFE_INTEGER) {
      return this.bigVarint(BigInt.asUintN(64, BigInt(value)));
    }
    this.reserve(10);
    let remaining = value;
    while (remaining >= 0x80) {
      this.scratch[this.position++] = (remaining % 0x80) | 0x80;
      remaining = Math.floor(remaining / 0x80);
    }
    this.scratch[this.position++] = remaining;
    return this;
  }

  private bigVarint(value: bigint): this {
    this.reserve(10);
    let remaining = value;
    while (remaining >= 0x80n) {
      this.scratch[this.position++] = Number(remaining & 0x7fn) | 0x80;
      remaining >>= 7n;
    }
    this.scratch[this.position++] = Number(remaining);
    return this;
  }

  /** A varint field (`int32`, `int64`, `uint64`, `bool`, `enum`). */
  varint(field: number, value: number | bigint | boolean): this {
    this.tag(field, WireType.varint);
    return this.rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }

  /** A `fixed32` field. */
  fixed32(field: number, value: number): this {
    this.tag(field, WireType.fixed32).reserve(4);
    this.scratchView.setUint32(this.position, value >>> 0, true);
    this.position += 4;
    return this;
  }

  /** A `fixed64` field. */
  fixed64(field: number, value: number | bigint): this {
    this.tag(field, WireType.fixed64).reserve(8);
    this.scratchView.setBigUint64(this.position, BigInt.asUintN(64, BigInt(value)), true);
    this.position += 8;
    return this;
  }

  /** A `float` field (fixed32 wire type, IEEE 754 single precision). */
  float(field: number, value: number): this {
    this.tag(field, WireType.fixed32).reserve(4);
    this.scratchView.setFloat32(this.position, value, true);
    this.position += 4;
    return this;
  }

  /** A `double` field (fixed64 wire type). */
  double(field: number, value: number): this {
    this.tag(field, WireType.fixed64).reserve(8);
    this.scratchView.setFloat64(this.position, value, true);
    this.position += 8;
    return this;
  }

  /** A `string` field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /**
   * A `bytes` field. Arrays of 512 bytes or more are kept by reference (not copied): do not
   * modify them until the output has been consumed.
   */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.lengthDelimited).rawVarint(value.byteLength);
    if (value.byteLength >= referenceThreshold) {
      this.pushChunk(value);
    } else {
      this.reserve(value.byteLength);
      this.scratch.set(value, this.position);
      this.position += value.byteLength;
    }
    return this;
  }

  /** A packed `repeated int64` (or `int32`) field. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const body = new ProtobufWriter();
    for (const value of values) body.rawVarint(value);
    return this.message(field, body);
  }

  /** A packed `repeated float` field. */
  packedFloats(field: number, values: readonly number[]): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let index = 0; index < values.length; index++) {
      view.setFloat32(index * 4, values[index]!, true);
    }
    return this.bytes(field, data);
  }

  /**
   * An embedded message field. The nested writer must be complete; its chunks are appended by
   * reference, and it must not be written to afterwards.
   */
  message(field: number, nested: ProtobufWriter): this {
    this.tag(field, WireType.lengthDelimited).rawVarint(nested.byteLength);
    for (const chunk of nested.finish()) this.pushChunk(chunk);
    return this;
  }

  /** The bytes written, as a list of chunks in order (small fields share chunks). */
  finish(): Uint8Array[] {
    this.flushPending();
    return this.chunks;
  }

  private pushChunk(chunk: Uint8Array): void {
    this.flushPending();
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.flushedLength += chunk.byteLength;
  }

  private flushPending(): void {
    if (this.position > this.pendingStart) {
      this.chunks.push(this.scratch.subarray(this.pendingStart, this.position));
      this.flushedLength += this.position - this.pendingStart;
      this.pendingStart = this.position;
    }
  }

  private reserve(byteCount: number): this {
    if (this.position + byteCount <= this.scratch.byteLength) return this;
    this.flushPending();
    this.scratch = new Uint8Array(Math.max(scratchBlockSize, byteCount));
    this.scratchView = new DataView(this.scratch.buffer);
    this.pendingStart = 0;
    this.position = 0;
    return this;
  }
}

/** Concatenates chunks into one array (the one copy of the bytes). */
export function concatenateChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  const result = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return result;
}
