import { TokenizerError } from '../errors.js';

/** Protobuf wire types (the low three bits of a field tag). */
export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A minimal reader of the protobuf wire format: just what a SentencePiece `ModelProto` needs.
 * Every read is bounds-checked; a truncated or corrupt buffer throws `MODEL_INVALID`.
 */
export class ProtobufReader {
  readonly #view: DataView;
  position: number;
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = start;
    this.end = end;
  }

  get done(): boolean {
    return this.position >= this.end;
  }

  #fail(what: string): never {
    throw new TokenizerError(
      'MODEL_INVALID',
      `Not a valid SentencePiece model: ${what} at byte ${this.position}. The file is truncated or is not a .model file; download it again.`,
    );
  }

  /** Reads a field tag and returns `[fieldNumber, wireType]`. */
  tag(): [number, number] {
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    if (field === 0) this.#fail('a field number 0');
    return [field, tag & 7];
  }

  /** A varint as a JavaScript number (exact up to 2^53). */
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let index = 0; index < 10; index++) {
      if (this.position >= this.end) this.#fail('a truncated varint');
      const byte = this.bytes[this.position++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    return this.#fail('a varint longer than 10 bytes');
  }

  /** An int32 field (negative values are sent as 10-byte varints). */
  int32(): number {
    return this.varint() | 0;
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  float(): number {
    if (this.position + 4 > this.end) this.#fail('a truncated float');
    const value = this.#view.getFloat32(this.position, true);
    this.position += 4;
    return value;
  }

  /** The bounds of a length-delimited field, without copying. */
  lengthDelimited(): { start: number; end: number } {
    const length = this.varint();
    const start = this.position;
    const end = start + length;
    if (end > this.end) this.#fail(`a field of ${length} bytes that runs past the end`);
    this.position = end;
    return { start, end };
  }

  bytesField(): Uint8Array {
    const { start, end } = this.lengthDelimited();
    return this.bytes.subarray(start, end);
  }

  string(): string {
    return utf8.decode(this.bytesField());
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.#advance(8);
        return;
      case WireType.lengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.fixed32:
        this.#advance(4);
        return;
      case WireType.startGroup:
        for (;;) {
          const [, type] = this.tag();
          if (type === WireType.endGroup) return;
          this.skip(type);
        }
      default:
        this.#fail(`an unknown wire type ${wireType}`);
    }
  }

  #advance(count: number): void {
    if (this.position + count > this.end) this.#fail('a truncated field');
    this.position += count;
  }

  /** Checks the wire type of a known field, so a corrupt file cannot be misread silently. */
  expect(wireType: number, expected: number, field: string): void {
    if (wireType !== expected) this.#fail(`field ${field} with wire type ${wireType}`);
  }
}
