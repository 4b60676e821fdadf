/**
 * Test-only: writes pickles opcode by opcode, so tests can make exactly the bytes they need
 * (including hostile and broken ones) without Python.
 */
import { Opcode } from '../../../src/checkpoint/pickle/opcodes.js';

const encoder = new TextEncoder();

export class PickleBuilder {
  private readonly bytes: number[] = [];

  /** Raw bytes. */
  raw(...values: number[]): this {
    this.bytes.push(...values);
    return this;
  }

  op(opcode: number, ...operands: number[]): this {
    return this.raw(opcode, ...operands);
  }

  uint16(value: number): this {
    return this.raw(value & 0xff, (value >>> 8) & 0xff);
  }

  uint32(value: number): this {
    return this.raw(
      value & 0xff,
      (value >>> 8) & 0xff,
      (value >>> 16) & 0xff,
      (value >>> 24) & 0xff,
    );
  }

  uint64(value: bigint): this {
    for (let index = 0n; index < 8n; index++) this.raw(Number((value >> (8n * index)) & 0xffn));
    return this;
  }

  proto(version = 2): this {
    return this.op(Opcode.PROTO, version);
  }

  stop(): this {
    return this.op(Opcode.STOP);
  }

  mark(): this {
    return this.op(Opcode.MARK);
  }

  none(): this {
    return this.op(Opcode.NONE);
  }

  bool(value: boolean): this {
    return this.op(value ? Opcode.NEWTRUE : Opcode.NEWFALSE);
  }

  /** The smallest integer opcode that holds `value` (as CPython chooses). */
  int(value: number | bigint): this {
    if (typeof value === 'number' && value >= 0 && value < 256)
      return this.op(Opcode.BININT1, value);
    if (typeof value === 'number' && value >= 0 && value < 65536) {
      return this.op(Opcode.BININT2).uint16(value);
    }
    if (typeof value === 'number' && value >= -(2 ** 31) && value < 2 ** 31) {
      return this.op(Opcode.BININT).uint32(value >>> 0);
    }
    return this.long1(BigInt(value));
  }

  /** LONG1: little-endian two's complement, as few bytes as needed. */
  long1(value: bigint): this {
    const bytes: number[] = [];
    if (value !== 0n) {
      let rest = value;
      for (;;) {
        const byte = Number(rest & 0xffn);
        bytes.push(byte);
        rest >>= 8n;
        if ((rest === 0n && !(byte & 0x80)) || (rest === -1n && byte & 0x80)) break;
      }
    }
    return this.op(Opcode.LONG1, bytes.length, ...bytes);
  }

  float(value: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, false);
    return this.op(Opcode.BINFLOAT, ...new Uint8Array(view.buffer));
  }

  /** BINUNICODE (or SHORT_BINUNICODE with `short`). */
  string(value: string, short = false): this {
    const bytes = [...encoder.encode(value)];
    if (short) return this.op(Opcode.SHORT_BINUNICODE, bytes.length, ...bytes);
    return this.op(Opcode.BINUNICODE)
      .uint32(bytes.length)
      .raw(...bytes);
  }

  global(module: string, name: string): this {
    return this.op(Opcode.GLOBAL, ...encoder.encode(`${module}\n${name}\n`));
  }

  put(index: number): this {
    return index < 256 ? this.op(Opcode.BINPUT, index) : this.op(Opcode.LONG_BINPUT).uint32(index);
  }

  get(index: number): this {
    return index < 256 ? this.op(Opcode.BINGET, index) : this.op(Opcode.LONG_BINGET).uint32(index);
  }

  tuple(count: 0 | 1 | 2 | 3): this {
    return this.op([Opcode.EMPTY_TUPLE, Opcode.TUPLE1, Opcode.TUPLE2, Opcode.TUPLE3][count]!);
  }

  /** A tuple of ints, e.g. a size or a stride. */
  intTuple(values: readonly (number | bigint)[]): this {
    if (values.length <= 3) {
      for (const value of values) this.int(value);
      return this.tuple(values.length as 0 | 1 | 2 | 3);
    }
    this.mark();
    for (const value of values) this.int(value);
    return this.op(Opcode.TUPLE);
  }

  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** One tensor of a hand-made state dict pickle. */
export interface PickledTensor {
  key: string;
  storageKey: string;
  /** e.g. `FloatStorage`. */
  storageType: string;
  storageElements: number | bigint;
  offset?: number | bigint;
  shape: readonly (number | bigint)[];
  stride: readonly (number | bigint)[];
  /** Legacy format only: `(view_key, offset, size)`. */
  view?: [string, number, number];
  /** Wrap in `torch._utils._rebuild_parameter`. */
  parameter?: boolean;
}

/**
 * The pickle `torch.save(OrderedDict(...))` writes (protocol 2): zip-format persistent ids
 * `('storage', type, key, 'cpu', numel)`, or legacy ones with a sixth `view_metadata` item.
 */
export function stateDictPickle(tensors: readonly PickledTensor[], legacy = false): Uint8Array {
  const builder = new PickleBuilder().proto(2).global('collections', 'OrderedDict').tuple(0);
  builder.op(Opcode.REDUCE).mark();
  for (const tensor of tensors) {
    builder.string(tensor.key);
    if (tensor.parameter) builder.global('torch._utils', '_rebuild_parameter');
    builder.global('torch._utils', '_rebuild_tensor_v2').mark();
    builder.mark().string('storage').global('torch', tensor.storageType);
    builder.string(tensor.storageKey).string('cpu').int(tensor.storageElements);
    if (legacy) {
      if (tensor.view) {
        const [viewKey, offset, size] = tensor.view;
        builder.string(viewKey).int(offset).int(size).tuple(3);
      } else {
        builder.none();
      }
    }
    builder.op(Opcode.TUPLE).op(Opcode.BINPERSID);
    builder
      .int(tensor.offset ?? 0)
      .intTuple(tensor.shape)
      .intTuple(tensor.stride);
    builder.bool(false).global('collections', 'OrderedDict').tuple(0).op(Opcode.REDUCE);
    builder.op(Opcode.TUPLE).op(Opcode.REDUCE);
    if (tensor.parameter) {
      builder.bool(true).global('collections', 'OrderedDict').tuple(0).op(Opcode.REDUCE);
      builder.tuple(3).op(Opcode.REDUCE);
    }
  }
  return builder.op(Opcode.SETITEMS).stop().build();
}
