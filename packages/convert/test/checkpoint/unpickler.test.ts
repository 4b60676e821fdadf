import { describe, expect, it } from 'vitest';
import { PickleGlobal } from '../../src/checkpoint/pickle/allowed-globals.js';
import { describeOpcode, Opcode } from '../../src/checkpoint/pickle/opcodes.js';
import { isList, isTuple } from '../../src/checkpoint/pickle/python-values.js';
import { StorageReference, TensorReference } from '../../src/checkpoint/pickle/torch-references.js';
import { type UnpickleOptions, unpickle } from '../../src/checkpoint/pickle/unpickler.js';
import { ConvertError, type ConvertErrorCode } from '../../src/errors.js';
import { PickleBuilder } from './builders/pickle-builder.js';

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((pair) => parseInt(pair, 16)));
const load = (bytes: Uint8Array, options?: UnpickleOptions) => unpickle(bytes, options).value;
const value = (builder: PickleBuilder, options?: UnpickleOptions) =>
  load(builder.stop().build(), options);

function expectError(action: () => unknown, code: ConvertErrorCode, message?: RegExp) {
  let error: unknown;
  try {
    action();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConvertError);
  expect((error as ConvertError).code).toBe(code);
  if (message) expect((error as ConvertError).message).toMatch(message);
}

/** Python's own output: pickle.dumps(v, protocol=p) for the `v` below, with CPython 3.11. */
// v = {'ints': [0, 255, 256, 65535, 65536, -1, -2**31, 2**31, 2**63, -2**63 - 1, 2**70],
//      'floats': [1.5, -0.0, 1e300],
//      'misc': [None, True, False, 'бг', (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
//      'od': collections.OrderedDict([('x', 1)])}
const pythonPickles = {
  2: '80027d7100285804000000696e747371015d7102284b004bff4d00014dffff4a000001004affffffff4a000000808a0500000080008a090000000000000080008a09ffffffffffffff7fff8a09000000000000000040655806000000666c6f61747371035d710428473ff8000000000000478000000000000000477e37e43c8800759c6558040000006d69736371055d7106284e88895804000000d0b1d0b37107294b018571084b014b028671094b014b024b0387710a284b014b024b034b0474710b6558020000006f64710c63636f6c6c656374696f6e730a4f726465726564446963740a710d2952710e580100000078710f4b0173752e',
  4: '800495d9000000000000007d94288c04696e7473945d94284b004bff4d00014dffff4a000001004affffffff4a000000808a0500000080008a090000000000000080008a09ffffffffffffff7fff8a09000000000000000040658c06666c6f617473945d9428473ff8000000000000478000000000000000477e37e43c8800759c658c046d697363945d94284e88898c04d0b1d0b394294b0185944b014b0286944b014b024b038794284b014b024b034b047494658c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0178944b0173752e',
  5: '800595d9000000000000007d94288c04696e7473945d94284b004bff4d00014dffff4a000001004affffffff4a000000808a0500000080008a090000000000000080008a09ffffffffffffff7fff8a09000000000000000040658c06666c6f617473945d9428473ff8000000000000478000000000000000477e37e43c8800759c658c046d697363945d94284e88898c04d0b1d0b394294b0185944b014b0286944b014b024b038794284b014b024b034b047494658c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0178944b0173752e',
};

describe('unpickle reads what CPython writes', () => {
  it.each(Object.entries(pythonPickles))('protocol %s', (_protocol, text) => {
    const result = load(hex(text)) as Map<string, unknown>;
    expect(result).toBeInstanceOf(Map);
    expect([...result.keys()]).toEqual(['ints', 'floats', 'misc', 'od']);
    expect(result.get('ints')).toEqual([
      0,
      255,
      256,
      65535,
      65536,
      -1,
      -(2 ** 31),
      2 ** 31,
      2n ** 63n,
      -(2n ** 63n) - 1n,
      2n ** 70n,
    ]);
    const floats = result.get('floats') as number[];
    expect(floats).toEqual([1.5, -0, 1e300]);
    expect(Object.is(floats[1], -0)).toBe(true);
    const misc = result.get('misc') as unknown[];
    expect(misc).toEqual([null, true, false, 'бг', [], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]);
    expect(isList(misc)).toBe(true);
    for (const tuple of misc.slice(4)) expect(isTuple(tuple)).toBe(true);
    expect(result.get('od')).toEqual(new Map([['x', 1]]));
  });
});

describe('unpickle: each opcode', () => {
  const start = () => new PickleBuilder().proto(2);

  it('PROTO, FRAME, STOP, and the end offset', () => {
    const bytes = new PickleBuilder()
      .proto(4)
      .op(Opcode.FRAME)
      .uint64(2n)
      .op(Opcode.NONE)
      .stop()
      .build();
    expect(unpickle(bytes)).toEqual({ value: null, end: bytes.length });
    const two = Uint8Array.from([...bytes, ...start().int(7).stop().build()]);
    const first = unpickle(two);
    expect(unpickle(two, { start: first.end }).value).toBe(7);
  });

  it('integers: BININT1, BININT2, BININT (signed), LONG1 (0 to 10 bytes)', () => {
    expect(value(start().op(Opcode.BININT1, 200))).toBe(200);
    expect(value(start().op(Opcode.BININT2).uint16(54321))).toBe(54321);
    expect(value(start().op(Opcode.BININT).uint32(0xfffffffe))).toBe(-2);
    expect(value(start().op(Opcode.LONG1, 0))).toBe(0);
    expect(value(start().long1(-129n))).toBe(-129);
    expect(value(start().long1(2n ** 53n - 1n))).toBe(2 ** 53 - 1);
    expect(value(start().long1(2n ** 53n))).toBe(2n ** 53n);
    expect(value(start().long1(0x1950a86a20f9469cfc6cn))).toBe(0x1950a86a20f9469cfc6cn);
  });

  it('floats, None, booleans', () => {
    expect(value(start().float(-2.25))).toBe(-2.25);
    expect(value(start().none())).toBeNull();
    expect(value(start().bool(true))).toBe(true);
    expect(value(start().bool(false))).toBe(false);
  });

  it('strings and bytes of every width', () => {
    expect(value(start().string('привет'))).toBe('привет');
    expect(value(start().string('hi', true))).toBe('hi');
    expect(value(start().op(Opcode.BINUNICODE8).uint64(2n).raw(0x6f, 0x6b))).toBe('ok');
    expect(value(start().op(Opcode.SHORT_BINSTRING, 1, 0x61))).toBe('a');
    expect(value(start().op(Opcode.BINSTRING).uint32(1).raw(0x62))).toBe('b');
    expect(value(start().op(Opcode.SHORT_BINBYTES, 2, 7, 8))).toEqual(Uint8Array.of(7, 8));
    expect(value(start().op(Opcode.BINBYTES).uint32(1).raw(9))).toEqual(Uint8Array.of(9));
    expect(value(start().op(Opcode.BINBYTES8).uint64(1n).raw(5))).toEqual(Uint8Array.of(5));
  });

  it('tuples: EMPTY_TUPLE, TUPLE1-3, MARK … TUPLE', () => {
    expect(value(start().tuple(0))).toEqual([]);
    expect(value(start().int(1).tuple(1))).toEqual([1]);
    expect(value(start().int(1).int(2).tuple(2))).toEqual([1, 2]);
    expect(value(start().int(1).int(2).int(3).tuple(3))).toEqual([1, 2, 3]);
    const tuple = value(start().mark().int(1).int(2).int(3).int(4).op(Opcode.TUPLE));
    expect(tuple).toEqual([1, 2, 3, 4]);
    expect(isTuple(tuple)).toBe(true);
  });

  it('lists: EMPTY_LIST, APPEND, APPENDS, LIST', () => {
    expect(value(start().op(Opcode.EMPTY_LIST).int(1).op(Opcode.APPEND))).toEqual([1]);
    expect(value(start().op(Opcode.EMPTY_LIST).mark().int(1).int(2).op(Opcode.APPENDS))).toEqual([
      1, 2,
    ]);
    expect(value(start().mark().int(3).int(4).op(Opcode.LIST))).toEqual([3, 4]);
  });

  it('dicts: EMPTY_DICT, SETITEM, SETITEMS, DICT', () => {
    expect(value(start().op(Opcode.EMPTY_DICT).string('a').int(1).op(Opcode.SETITEM))).toEqual(
      new Map([['a', 1]]),
    );
    expect(
      value(
        start()
          .op(Opcode.EMPTY_DICT)
          .mark()
          .string('a')
          .int(1)
          .string('b')
          .int(2)
          .op(Opcode.SETITEMS),
      ),
    ).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(value(start().mark().int(1).int(2).op(Opcode.DICT))).toEqual(new Map([[1, 2]]));
  });

  it('POP, POP_MARK, DUP', () => {
    expect(value(start().int(1).int(2).op(Opcode.POP))).toBe(1);
    expect(value(start().int(1).mark().op(Opcode.POP))).toBe(1); // POP drops an empty MARK
    expect(value(start().int(1).mark().int(2).int(3).op(Opcode.POP_MARK))).toBe(1);
    expect(value(start().int(5).op(Opcode.DUP).tuple(2))).toEqual([5, 5]);
  });

  it('the memo: BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET', () => {
    expect(value(start().string('x').put(3).op(Opcode.POP).get(3))).toBe('x');
    expect(value(start().string('y').put(70000).op(Opcode.POP).get(70000))).toBe('y');
    expect(
      value(
        start()
          .string('a')
          .op(Opcode.MEMOIZE)
          .string('b')
          .op(Opcode.MEMOIZE)
          .tuple(2)
          .get(1)
          .get(0)
          .tuple(3),
      ),
    ).toEqual([['a', 'b'], 'b', 'a']);
    const shared = value(start().op(Opcode.EMPTY_LIST).put(0).get(0).tuple(2)) as unknown[][];
    expect(shared[0]).toBe(shared[1]);
  });

  it('GLOBAL and STACK_GLOBAL resolve allowed globals', () => {
    const global = value(start().global('torch', 'FloatStorage')) as PickleGlobal;
    expect(global).toBeInstanceOf(PickleGlobal);
    expect(global.qualifiedName).toBe('torch.FloatStorage');
    expect(global.meaning).toEqual({ kind: 'storage-type', dataType: 'float32' });
    const dtype = value(
      start().string('torch').string('bfloat16').op(Opcode.STACK_GLOBAL),
    ) as PickleGlobal;
    expect(dtype.meaning).toEqual({ kind: 'data-type', dataType: 'bfloat16' });
  });

  it('REDUCE and NEWOBJ build OrderedDicts; BUILD drops their attributes', () => {
    const od = () => start().global('collections', 'OrderedDict');
    expect(value(od().tuple(0).op(Opcode.REDUCE))).toEqual(new Map());
    expect(
      value(
        od()
          .op(Opcode.EMPTY_LIST)
          .string('k')
          .int(1)
          .tuple(2)
          .op(Opcode.APPEND)
          .tuple(1)
          .op(Opcode.REDUCE),
      ),
    ).toEqual(new Map([['k', 1]]));
    expect(value(od().tuple(0).op(Opcode.NEWOBJ))).toEqual(new Map());
    const withMetadata = od().tuple(0).op(Opcode.REDUCE);
    withMetadata.op(Opcode.EMPTY_DICT).string('_metadata').op(Opcode.EMPTY_DICT).op(Opcode.SETITEM);
    expect(value(withMetadata.op(Opcode.BUILD))).toEqual(new Map());
  });

  it('BINPERSID goes through persistentLoad; _rebuild_tensor_v2 and _rebuild_parameter', () => {
    const storage = new StorageReference('0', 'float32', 'cpu', 6);
    const persistentLoad = (id: unknown) => {
      expect(id).toEqual(['storage', 'key']);
      return storage;
    };
    const tensor = start().global('torch._utils', '_rebuild_tensor_v2').mark();
    tensor.string('storage').string('key').tuple(2).op(Opcode.BINPERSID);
    tensor.int(1).intTuple([2, 2]).intTuple([1, 2]).bool(true);
    tensor
      .global('collections', 'OrderedDict')
      .tuple(0)
      .op(Opcode.REDUCE)
      .op(Opcode.TUPLE)
      .op(Opcode.REDUCE);
    const result = value(tensor, { persistentLoad }) as TensorReference;
    expect(result).toBeInstanceOf(TensorReference);
    expect(result).toMatchObject({
      storage,
      storageOffset: 1,
      shape: [2, 2],
      stride: [1, 2],
      requiresGrad: true,
    });

    const appendTensor = (builder: PickleBuilder) => {
      builder.global('torch._utils', '_rebuild_tensor_v2').mark();
      builder.string('storage').string('key').tuple(2).op(Opcode.BINPERSID);
      builder.int(0).intTuple([6]).intTuple([1]).bool(false);
      builder.global('collections', 'OrderedDict').tuple(0).op(Opcode.REDUCE);
      return builder.op(Opcode.TUPLE).op(Opcode.REDUCE);
    };
    const hooks = (builder: PickleBuilder) =>
      builder.global('collections', 'OrderedDict').tuple(0).op(Opcode.REDUCE);
    const parameter = appendTensor(start().global('torch._utils', '_rebuild_parameter'));
    hooks(parameter.bool(true)).tuple(3).op(Opcode.REDUCE);
    expect(value(parameter, { persistentLoad })).toMatchObject({ shape: [6], stride: [1] });
    const withState = start().global('torch._utils', '_rebuild_parameter_with_state').mark();
    hooks(appendTensor(withState).bool(true)).none().op(Opcode.TUPLE).op(Opcode.REDUCE);
    expect(value(withState, { persistentLoad })).toMatchObject({ shape: [6], stride: [1] });
  });
});

describe('unpickle refuses what a state dict never needs', () => {
  const start = () => new PickleBuilder().proto(2);

  it.each([
    ['os', 'system'],
    ['posix', 'system'],
    ['nt', 'system'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['builtins', 'getattr'],
    ['__builtin__', 'eval'],
    ['subprocess', 'Popen'],
    ['subprocess', 'check_output'],
    ['torch._utils', '_var_dump'],
    ['torch', 'load'],
    ['torch.serialization', 'load'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['collections', 'defaultdict'],
    ['_codecs', 'encode'],
  ])('GLOBAL %s.%s → PICKLE_REFUSED naming it', (module, name) => {
    const hostile = start().global(module, name).string('touch /tmp/bg-gpt2-pwned').tuple(1);
    expectError(
      () => value(hostile.op(Opcode.REDUCE)),
      'PICKLE_REFUSED',
      new RegExp(`"${module}\\.${name}"`),
    );
    const stacked = start().string(module, true).string(name, true).op(Opcode.STACK_GLOBAL);
    expectError(() => value(stacked), 'PICKLE_REFUSED', /Nothing was executed/);
  });

  it('INST with a forbidden class is refused by name; with an allowed one it is unsupported', () => {
    const encoder = new TextEncoder();
    const inst = (module: string, name: string) =>
      start()
        .mark()
        .string('x')
        .op(Opcode.INST, ...encoder.encode(`${module}\n${name}\n`));
    expectError(() => value(inst('os', 'system')), 'PICKLE_REFUSED', /"os\.system"/);
    expectError(
      () => value(inst('collections', 'OrderedDict')),
      'CHECKPOINT_INVALID',
      /INST \(0x69\)/,
    );
  });

  it('the extension registry (EXT1/2/4) is refused', () => {
    expectError(() => value(start().op(Opcode.EXT1, 1)), 'PICKLE_REFUSED', /EXT1/);
  });

  it('calling an allowed tag (a storage class, a dtype) is refused', () => {
    expectError(
      () => value(start().global('torch', 'FloatStorage').tuple(0).op(Opcode.REDUCE)),
      'PICKLE_REFUSED',
      /call torch\.FloatStorage/,
    );
    expectError(
      () => value(start().global('torch', 'float32').tuple(0).op(Opcode.NEWOBJ)),
      'PICKLE_REFUSED',
      /call torch\.float32/,
    );
  });
});

describe('unpickle rejects broken pickles with CHECKPOINT_INVALID naming the opcode and offset', () => {
  const start = () => new PickleBuilder().proto(2);

  it('unknown and unimplemented opcodes', () => {
    expectError(
      () => value(start().op(0xff)),
      'CHECKPOINT_INVALID',
      /0xff \(not a pickle opcode\).*at byte 2/,
    );
    expectError(
      () => value(start().op(Opcode.INT, 0x31, 0x0a)),
      'CHECKPOINT_INVALID',
      /INT \(0x49\)/,
    );
    expectError(() => value(start().op(Opcode.EMPTY_SET)), 'CHECKPOINT_INVALID', /EMPTY_SET/);
    expectError(
      () => value(start().op(Opcode.LONG4).uint32(1).raw(1)),
      'CHECKPOINT_INVALID',
      /LONG4/,
    );
    expect(describeOpcode(Opcode.BINPUT)).toBe('BINPUT (0x71)');
  });

  it('every truncation of a valid pickle', () => {
    const bytes = hex(pythonPickles[4]);
    for (let length = 0; length < bytes.length; length++) {
      expectError(() => load(bytes.subarray(0, length)), 'CHECKPOINT_INVALID');
    }
    expectError(() => load(start().int(1).build()), 'CHECKPOINT_INVALID', /without a STOP/);
  });

  it('lengths beyond the bytes present, before allocating', () => {
    expectError(
      () => value(start().op(Opcode.BINUNICODE).uint32(0xffffffff)),
      'CHECKPOINT_INVALID',
      /needs 4294967295 bytes/,
    );
    expectError(
      () =>
        value(
          start()
            .op(Opcode.BINUNICODE8)
            .uint64(2n ** 62n),
        ),
      'CHECKPOINT_INVALID',
      /more than the whole file/,
    );
    expectError(
      () =>
        value(
          start()
            .op(Opcode.BINBYTES8)
            .uint64(2n ** 64n - 1n),
        ),
      'CHECKPOINT_INVALID',
    );
    expectError(() => value(start().op(Opcode.FRAME).uint64(1000n)), 'CHECKPOINT_INVALID', /FRAME/);
    expectError(
      () => value(start().op(Opcode.BINSTRING).uint32(0x80000000)),
      'CHECKPOINT_INVALID',
      /negative length/,
    );
    expectError(
      () => value(start().op(Opcode.LONG1, 200)),
      'CHECKPOINT_INVALID',
      /200-byte integer/,
    );
    expectError(
      () => value(start().raw(Opcode.GLOBAL, 0x61, 0x62)),
      'CHECKPOINT_INVALID',
      /end of line/,
    );
  });

  it('stack and memo misuse', () => {
    expectError(() => value(start().op(Opcode.POP)), 'CHECKPOINT_INVALID', /stack underflow/);
    expectError(
      () => value(start().int(1).mark().op(Opcode.DUP)),
      'CHECKPOINT_INVALID',
      /stack underflow/,
    );
    expectError(
      () => value(start().int(1).op(Opcode.TUPLE)),
      'CHECKPOINT_INVALID',
      /MARK is missing/,
    );
    expectError(() => value(start().get(9)), 'CHECKPOINT_INVALID', /memo entry 9/);
    expectError(() => value(start().op(Opcode.BINPUT, 0)), 'CHECKPOINT_INVALID', /stack underflow/);
    expectError(
      () => value(start().int(1).int(2).op(Opcode.APPEND)),
      'CHECKPOINT_INVALID',
      /instead of a list/,
    );
    expectError(
      () => value(start().tuple(0).int(2).op(Opcode.APPEND)),
      'CHECKPOINT_INVALID',
      /instead of a list/,
    );
    expectError(
      () => value(start().op(Opcode.EMPTY_LIST).int(1).int(2).op(Opcode.SETITEM)),
      'CHECKPOINT_INVALID',
      /instead of a dict/,
    );
    expectError(
      () => value(start().mark().int(1).op(Opcode.DICT)),
      'CHECKPOINT_INVALID',
      /odd number/,
    );
    expectError(
      () => value(start().op(Opcode.EMPTY_DICT).op(Opcode.EMPTY_LIST).int(1).op(Opcode.SETITEM)),
      'CHECKPOINT_INVALID',
      /unhashable/,
    );
    expectError(
      () => value(start().int(1).tuple(0).op(Opcode.REDUCE)),
      'CHECKPOINT_INVALID',
      /not an allowed global/,
    );
    expectError(
      () => value(start().int(1).int(2).op(Opcode.BUILD)),
      'CHECKPOINT_INVALID',
      /BUILD on a number/,
    );
    expectError(
      () => value(start().tuple(0).op(Opcode.BINPERSID)),
      'CHECKPOINT_INVALID',
      /persistent id/,
    );
    expectError(() => value(start().proto(6)), 'CHECKPOINT_INVALID', /protocol 6/);
  });

  it('limits on memo size, stack depth and MARK nesting', () => {
    const memo = start();
    for (let index = 0; index < 11; index++) memo.int(index).put(index);
    expectError(
      () => value(memo, { maxMemoEntries: 10 }),
      'CHECKPOINT_INVALID',
      /more than 10 memo entries/,
    );
    const deep = start();
    for (let index = 0; index < 11; index++) deep.none();
    expectError(
      () => value(deep, { maxStackDepth: 10 }),
      'CHECKPOINT_INVALID',
      /more than 10 values/,
    );
    const marks = start();
    for (let index = 0; index < 11; index++) marks.mark();
    expectError(
      () => value(marks, { maxMarkDepth: 10 }),
      'CHECKPOINT_INVALID',
      /more than 10 nested MARKs/,
    );
    // DUP cannot multiply memory faster than the input grows: one stack slot per byte.
    const dup = start().none();
    for (let index = 0; index < 100; index++) dup.op(Opcode.DUP);
    expectError(
      () => value(dup, { maxStackDepth: 50 }),
      'CHECKPOINT_INVALID',
      /more than 50 values/,
    );
  });

  it('malformed calls of allowed globals', () => {
    const rebuild = start().global('torch._utils', '_rebuild_tensor_v2');
    expectError(
      () => value(rebuild.int(1).tuple(1).op(Opcode.REDUCE)),
      'CHECKPOINT_INVALID',
      /1 arguments instead of 6/,
    );
    const notStorage = start().global('torch._utils', '_rebuild_tensor_v2').mark();
    notStorage.string('x').int(0).intTuple([1]).intTuple([1]).bool(false);
    notStorage
      .global('collections', 'OrderedDict')
      .tuple(0)
      .op(Opcode.REDUCE)
      .op(Opcode.TUPLE)
      .op(Opcode.REDUCE);
    expectError(() => value(notStorage), 'CHECKPOINT_INVALID', /storage is a str/);
    expectError(
      () =>
        value(
          start().global('collections', 'OrderedDict').int(1).int(2).tuple(2).op(Opcode.REDUCE),
        ),
      'CHECKPOINT_INVALID',
      /OrderedDict takes/,
    );
    expectError(
      () =>
        value(
          start()
            .global('torch._utils', '_rebuild_parameter')
            .int(1)
            .int(2)
            .int(3)
            .tuple(3)
            .op(Opcode.REDUCE),
        ),
      'CHECKPOINT_INVALID',
      /the first a tensor/,
    );
  });
});
