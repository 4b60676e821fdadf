import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Opcode } from '../../src/checkpoint/pickle/opcodes.js';
import { readTorchCheckpoint } from '../../src/checkpoint/torch-checkpoint.js';
import { ConvertError, type ConvertErrorCode } from '../../src/errors.js';
import { PickleBuilder, type PickledTensor, stateDictPickle } from './builders/pickle-builder.js';
import {
  float32Bytes,
  legacyCheckpoint,
  legacyHeader,
  zipCheckpoint,
} from './builders/torch-builder.js';
import { buildZip } from './builders/zip-builder.js';

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

const floats = (tensor: { data: Uint8Array }) => [...new Float32Array(tensor.data.slice().buffer)];

/** 0, 1, 2, … as float32 bytes. */
const iota = (count: number) => float32Bytes(Array.from({ length: count }, (_, index) => index));

const matrix: PickledTensor = {
  key: 'matrix',
  storageKey: '0',
  storageType: 'FloatStorage',
  storageElements: 6,
  shape: [2, 3],
  stride: [3, 1],
};

describe('readTorchCheckpoint: zip format', () => {
  it('reads contiguous tensors as views of the file, in any archive folder', () => {
    for (const folder of ['archive', 'pytorch_model', 'weird name-1', '']) {
      for (const align of [false, true]) {
        const bytes = zipCheckpoint([matrix], { '0': iota(6) }, { folder, align });
        const stateDict = readTorchCheckpoint(bytes);
        const tensor = stateDict.get('matrix')!;
        expect(tensor).toMatchObject({ dtype: 'float32', shape: [2, 3] });
        expect(floats(tensor)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(tensor.data.buffer).toBe(bytes.buffer);
        if (align) expect(tensor.data.byteOffset % 64).toBe(0);
      }
    }
  });

  it('honours storage offsets, strides and shared storages', () => {
    const tensors: PickledTensor[] = [
      { ...matrix, key: 'row', offset: 3, shape: [3], stride: [1] },
      { ...matrix, key: 'transposed', shape: [3, 2], stride: [1, 3] },
      { ...matrix, key: 'every other', shape: [3], stride: [2] },
      { ...matrix, key: 'column', offset: 1, shape: [2, 1], stride: [3, 1] },
      { ...matrix, key: 'scalar', offset: 5, shape: [], stride: [] },
      { ...matrix, key: 'empty', offset: 6, shape: [0, 3], stride: [3, 1] },
      { ...matrix, key: 'broadcast', shape: [2, 2], stride: [0, 1] },
      {
        key: 'block',
        storageKey: '1',
        storageType: 'FloatStorage',
        storageElements: 24,
        offset: 5,
        shape: [2, 2, 3],
        stride: [12, 4, 1],
      },
    ];
    const stateDict = readTorchCheckpoint(zipCheckpoint(tensors, { '0': iota(6), '1': iota(24) }));
    expect(floats(stateDict.get('row')!)).toEqual([3, 4, 5]);
    expect(floats(stateDict.get('transposed')!)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(floats(stateDict.get('every other')!)).toEqual([0, 2, 4]);
    expect(floats(stateDict.get('column')!)).toEqual([1, 4]);
    expect(stateDict.get('scalar')!).toMatchObject({ shape: [] });
    expect(floats(stateDict.get('scalar')!)).toEqual([5]);
    expect(stateDict.get('empty')!.data.length).toBe(0);
    expect(floats(stateDict.get('broadcast')!)).toEqual([0, 1, 0, 1]);
    expect(floats(stateDict.get('block')!)).toEqual([5, 6, 7, 9, 10, 11, 17, 18, 19, 21, 22, 23]);
  });

  it('copies strided views of every element size', () => {
    const int64 = new BigInt64Array([10n, -20n, 30n, -40n, 50n, -60n]);
    const half = new Uint16Array([0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600]);
    const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6);
    const stateDict = readTorchCheckpoint(
      zipCheckpoint(
        [
          { ...matrix, key: 'long', storageType: 'LongStorage', shape: [3, 2], stride: [1, 3] },
          {
            ...matrix,
            key: 'int',
            storageKey: '1',
            storageType: 'IntStorage',
            shape: [3],
            stride: [2],
          },
          {
            ...matrix,
            key: 'half',
            storageKey: '2',
            storageType: 'HalfStorage',
            shape: [3, 2],
            stride: [1, 3],
          },
          {
            ...matrix,
            key: 'byte',
            storageKey: '3',
            storageType: 'ByteStorage',
            shape: [3, 2],
            stride: [1, 3],
          },
          {
            ...matrix,
            key: 'bool',
            storageKey: '5',
            storageType: 'BoolStorage',
            shape: [2],
            stride: [3],
          },
          {
            ...matrix,
            key: 'double',
            storageKey: '4',
            storageType: 'DoubleStorage',
            shape: [2],
            stride: [2],
          },
        ],
        {
          '0': new Uint8Array(int64.buffer),
          '1': new Uint8Array(Int32Array.of(1, -2, 3, -4, 5, -6).buffer),
          '2': new Uint8Array(half.buffer),
          '3': bytes,
          '4': new Uint8Array(Float64Array.of(0.5, 1.5, 2.5, 3.5, 4.5, 5.5).buffer),
          '5': bytes,
        },
      ),
    );
    const get = (key: string) => stateDict.get(key)!;
    expect([...new BigInt64Array(get('long').data.slice().buffer)]).toEqual([
      10n,
      -40n,
      -20n,
      50n,
      30n,
      -60n,
    ]);
    expect(get('long').dtype).toBe('int64');
    expect([...new Int32Array(get('int').data.slice().buffer)]).toEqual([1, 3, 5]);
    expect([...new Uint16Array(get('half').data.slice().buffer)]).toEqual([
      0x3c00, 0x4400, 0x4000, 0x4500, 0x4200, 0x4600,
    ]);
    expect([...get('byte').data]).toEqual([1, 4, 2, 5, 3, 6]);
    expect(get('bool')).toMatchObject({ dtype: 'bool' });
    expect([...get('bool').data]).toEqual([1, 4]);
    expect([...new Float64Array(get('double').data.slice().buffer)]).toEqual([0.5, 2.5]);
  });

  it('copies random permuted and sliced views like a naive gather', () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % below;
    };
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + random(4);
      const sizes = Array.from({ length: rank }, () => 1 + random(rank <= 2 ? 150 : 12));
      // A contiguous parent with one extra row per dimension, then permuted and offset.
      const parent = sizes.map((size) => size + random(3));
      const parentStride = parent.map((_, dimension) =>
        parent.slice(dimension + 1).reduce((product, size) => product * size, 1),
      );
      const order = [...Array(rank).keys()].sort(() => random(3) - 1);
      const shape = order.map((dimension) => sizes[dimension]!);
      const stride = order.map((dimension) => parentStride[dimension]!);
      const offset = parentStride.reduce(
        (sum, step, dimension) => sum + step * random(parent[dimension]! - sizes[dimension]! + 1),
        0,
      );
      const storageElements = parent.reduce((product, size) => product * size, 1);
      const tensor: PickledTensor = {
        key: 'view',
        storageKey: '0',
        storageType: 'FloatStorage',
        storageElements,
        offset,
        shape,
        stride,
      };
      const actual = floats(
        readTorchCheckpoint(zipCheckpoint([tensor], { '0': iota(storageElements) })).get('view')!,
      );
      const expected: number[] = [];
      const index = new Array<number>(rank).fill(0);
      const count = shape.reduce((product, size) => product * size, 1);
      for (let element = 0; element < count; element++) {
        expected.push(
          offset +
            index.reduce((sum, position, dimension) => sum + position * stride[dimension]!, 0),
        );
        for (let dimension = rank - 1; dimension >= 0; dimension--) {
          if (++index[dimension]! < shape[dimension]!) break;
          index[dimension] = 0;
        }
      }
      expect(actual, `shape [${shape}] stride [${stride}] offset ${offset}`).toEqual(expected);
    }
  });

  it('copies strided views of unaligned storages', () => {
    // A comment-free archive whose record starts at an odd offset: no local padding.
    const bytes = zipCheckpoint([{ ...matrix, shape: [3, 2], stride: [1, 3] }], { '0': iota(6) });
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(floats(readTorchCheckpoint(shifted).get('matrix')!)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('unwraps parameters and state dicts nested under "state_dict"; skips non-tensors', () => {
    const parameter = zipCheckpoint([{ ...matrix, parameter: true }], { '0': iota(6) });
    expect(floats(readTorchCheckpoint(parameter).get('matrix')!)).toEqual([0, 1, 2, 3, 4, 5]);

    const nested = new PickleBuilder()
      .proto(2)
      .op(Opcode.EMPTY_DICT)
      .string('epoch')
      .int(3)
      .op(Opcode.SETITEM);
    nested.string('state_dict');
    const inner = stateDictPickle([matrix]);
    nested
      .raw(...inner.subarray(2, inner.length - 1))
      .op(Opcode.SETITEM)
      .stop();
    const stateDict = readTorchCheckpoint(
      zipCheckpoint([], { '0': iota(6) }, { pickle: nested.build() }),
    );
    expect([...stateDict.keys()]).toEqual(['matrix']);

    const mixed = new PickleBuilder()
      .proto(2)
      .op(Opcode.EMPTY_DICT)
      .string('epoch')
      .int(3)
      .op(Opcode.SETITEM)
      .stop();
    expect(readTorchCheckpoint(zipCheckpoint([], {}, { pickle: mixed.build() })).size).toBe(0);
  });

  it('accepts byteorder "little" and refuses "big"', () => {
    expect(
      readTorchCheckpoint(zipCheckpoint([matrix], { '0': iota(6) }, { byteOrder: 'little' })).size,
    ).toBe(1);
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([matrix], { '0': iota(6) }, { byteOrder: 'big' })),
      'CHECKPOINT_INVALID',
      /big-endian/,
    );
  });

  it('accepts dtypes and untyped storages as persistent-id tags', () => {
    const pickle = stateDictPickle([
      { ...matrix, storageType: 'UntypedStorage', storageElements: 24 },
    ]);
    const untyped = readTorchCheckpoint(zipCheckpoint([], { '0': iota(6) }, { pickle }));
    expect(untyped.get('matrix')).toMatchObject({ dtype: 'uint8', shape: [2, 3] });
    const dtype = stateDictPickle([{ ...matrix, storageType: 'float32' }]);
    expect(
      floats(
        readTorchCheckpoint(zipCheckpoint([], { '0': iota(6) }, { pickle: dtype })).get('matrix')!,
      ),
    ).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('checks every size against the bytes present, before allocating', () => {
    const huge = {
      ...matrix,
      storageElements: 10n ** 12n,
      shape: [1_000_000, 1_000_000],
      stride: [1_000_000, 1],
    };
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([huge], { '0': iota(4) })),
      'CHECKPOINT_INVALID',
      /claims 1000000000000 float32 elements \(4000000000000 bytes\) but its record archive\/data\/0 holds 16 bytes/,
    );
    expectError(
      () =>
        readTorchCheckpoint(
          zipCheckpoint([{ ...matrix, storageElements: 2n ** 70n }], { '0': iota(6) }),
        ),
      'CHECKPOINT_INVALID',
      /element count of storage 0/,
    );
    expectError(
      () =>
        readTorchCheckpoint(
          zipCheckpoint([{ ...matrix, shape: [2n ** 60n, 3], stride: [3, 1] }], { '0': iota(6) }),
        ),
      'CHECKPOINT_INVALID',
      /size of 1152921504606846976/,
    );
    expectError(
      () =>
        readTorchCheckpoint(
          zipCheckpoint([{ ...matrix, shape: [2 ** 30, 2 ** 30], stride: [0, 0] }], {
            '0': iota(6),
          }),
        ),
      'CHECKPOINT_INVALID',
      /impossibly large/,
    );
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([{ ...matrix, offset: 1 }], { '0': iota(6) })),
      'CHECKPOINT_INVALID',
      /matrix .*reaches element 6 of a storage of 6 elements/,
    );
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([{ ...matrix, stride: [4, 1] }], { '0': iota(6) })),
      'CHECKPOINT_INVALID',
      /reaches element 6/,
    );
    expectError(
      () =>
        readTorchCheckpoint(
          zipCheckpoint([{ ...matrix, shape: [1_000_000_000], stride: [0] }], { '0': iota(6) }),
        ),
      'CHECKPOINT_INVALID',
      /repeats elements into 4000000000 bytes, more than the \d+-byte file/,
    );
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([{ ...matrix, offset: -1 }], { '0': iota(6) })),
      'CHECKPOINT_INVALID',
      /storage offset of -1/,
    );
  });

  it('rejects missing records, odd persistent ids and non-state-dicts', () => {
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([matrix], {})),
      'CHECKPOINT_INVALID',
      /archive\/data\/0 .*is missing/,
    );
    const pid = (items: (builder: PickleBuilder) => void) => {
      const builder = new PickleBuilder().proto(2).mark();
      items(builder);
      return builder.op(Opcode.TUPLE).op(Opcode.BINPERSID).stop().build();
    };
    const cases: [Uint8Array, RegExp][] = [
      [pid((b) => b.string('module').string('x')), /not a storage/],
      [
        pid((b) => b.string('storage').global('torch', 'FloatStorage').string('0').string('cpu')),
        /4 items instead of 5/,
      ],
      [
        pid((b) =>
          b.string('storage').global('collections', 'OrderedDict').string('0').string('cpu').int(1),
        ),
        /not a torch storage type/,
      ],
      [
        pid((b) => b.string('storage').global('torch', 'FloatStorage').int(0).string('cpu').int(1)),
        /key or location/,
      ],
      [
        new PickleBuilder().proto(2).op(Opcode.EMPTY_LIST).stop().build(),
        /holds a list, not a state dict/,
      ],
    ];
    for (const [pickle, message] of cases) {
      expectError(
        () => readTorchCheckpoint(zipCheckpoint([], {}, { pickle })),
        'CHECKPOINT_INVALID',
        message,
      );
    }
    const twice = [matrix, { ...matrix, key: 'again', storageElements: 7 }];
    expectError(
      () => readTorchCheckpoint(zipCheckpoint(twice, { '0': iota(7) })),
      'CHECKPOINT_INVALID',
      /described twice/,
    );
    const short = { ...matrix, storageType: 'ShortStorage', shape: [3], stride: [1] };
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([short], { '0': iota(3) })),
      'CHECKPOINT_INVALID',
      /int16/,
    );
  });

  it('names what is wrong with archives that are not state dicts', () => {
    expectError(
      () =>
        readTorchCheckpoint(buildZip([{ name: 'model/constants.pkl', data: Uint8Array.of(0x80) }])),
      'CHECKPOINT_INVALID',
      /TorchScript/,
    );
    expectError(
      () => readTorchCheckpoint(buildZip([{ name: 'x', data: Uint8Array.of(1) }])),
      'CHECKPOINT_INVALID',
      /no data\.pkl/,
    );
    expectError(
      () =>
        readTorchCheckpoint(
          buildZip([{ name: 'archive/data.pkl', data: stateDictPickle([]), method: 8 }]),
        ),
      'CHECKPOINT_INVALID',
      /archive\/data\.pkl is compressed/,
    );
    const corrupted = zipCheckpoint([matrix], { '0': iota(6) });
    corrupted[60] ^= 0xff; // inside data.pkl, whose CRC is always checked
    expectError(() => readTorchCheckpoint(corrupted), 'CHECKPOINT_INVALID', /CRC-32/);
  });

  it('verifies tensor records only when asked', () => {
    const bytes = zipCheckpoint([matrix], { '0': iota(6) });
    const start = bytes.indexOf(0x80, bytes.length - 400); // 1.0f = 00 00 80 3f
    bytes[start] = 0x81;
    expect(readTorchCheckpoint(bytes).size).toBe(1);
    expectError(
      () => readTorchCheckpoint(bytes, { verifyChecksums: true }),
      'CHECKPOINT_INVALID',
      /CRC-32/,
    );
  });
});

describe('readTorchCheckpoint: legacy format', () => {
  it('reads storages, offsets, strides and views', () => {
    const tensors: PickledTensor[] = [
      { ...matrix, storageKey: '140', view: undefined },
      { ...matrix, key: 'transposed', storageKey: '140', shape: [3, 2], stride: [1, 3] },
      {
        ...matrix,
        key: 'view',
        storageKey: '7',
        storageElements: 8,
        view: ['9', 2, 4],
        shape: [2, 2],
        stride: [2, 1],
      },
      {
        ...matrix,
        key: 'half',
        storageKey: '8',
        storageType: 'HalfStorage',
        storageElements: 2,
        shape: [2],
        stride: [1],
      },
    ];
    const bytes = legacyCheckpoint(tensors, [
      { key: '140', elements: 6, data: iota(6) },
      { key: '7', elements: 8, data: iota(8) },
      { key: '8', elements: 2, data: new Uint8Array(Uint16Array.of(0x3c00, 0xc000).buffer) },
    ]);
    const stateDict = readTorchCheckpoint(bytes);
    expect(floats(stateDict.get('matrix')!)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(stateDict.get('matrix')!.data.buffer).toBe(bytes.buffer);
    expect(floats(stateDict.get('transposed')!)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(floats(stateDict.get('view')!)).toEqual([2, 3, 4, 5]);
    expect([...new Uint16Array(stateDict.get('half')!.data.slice().buffer)]).toEqual([
      0x3c00, 0xc000,
    ]);
  });

  it('checks the header pickles', () => {
    const storages = [{ key: '0', elements: 6, data: iota(6) }];
    expectError(
      () => readTorchCheckpoint(legacyCheckpoint([matrix], storages, { littleEndian: false })),
      'CHECKPOINT_INVALID',
      /big-endian/,
    );
    const [, protocol, systemInfo] = legacyHeader();
    const wrongMagic = new PickleBuilder().proto(2).long1(12345n).stop().build();
    expectError(
      () =>
        readTorchCheckpoint(
          legacyCheckpoint([matrix], storages, { header: [wrongMagic, protocol!, systemInfo!] }),
        ),
      'CHECKPOINT_INVALID',
      /magic number/,
    );
    const [magic] = legacyHeader();
    const wrongProtocol = new PickleBuilder().proto(2).int(1000).stop().build();
    expectError(
      () =>
        readTorchCheckpoint(
          legacyCheckpoint([matrix], storages, { header: [magic!, wrongProtocol, systemInfo!] }),
        ),
      'CHECKPOINT_INVALID',
      /protocol version 1000/,
    );
  });

  it('checks the storage records against the pickle and the file', () => {
    const check = (
      storages: Parameters<typeof legacyCheckpoint>[1],
      message: RegExp,
      keys?: string[],
    ) =>
      expectError(
        () => readTorchCheckpoint(legacyCheckpoint([matrix], storages, { keys })),
        'CHECKPOINT_INVALID',
        message,
      );
    check([{ key: '0', elements: 7, data: iota(7) }], /7 elements in the file but 6 in the pickle/);
    check([{ key: '0', elements: 6, data: iota(5) }], /holds 20 bytes/);
    check([], /data of storage 0 is missing/, ['0']);
    check([], /storage 0 has no data/, []);
    check([{ key: '0', elements: 6, data: iota(6) }], /names 5, which no tensor uses/, ['5']);
    check([{ key: '0', elements: 6, data: iota(6) }], /names 0 twice/, ['0', '0']);
    const view = {
      ...matrix,
      view: ['9', 4, 4] as [string, number, number],
      shape: [4],
      stride: [1],
    };
    expectError(
      () =>
        readTorchCheckpoint(legacyCheckpoint([view], [{ key: '0', elements: 6, data: iota(6) }])),
      'CHECKPOINT_INVALID',
      /view 9 reaches past its storage 0/,
    );
    const bytes = legacyCheckpoint([matrix], [{ key: '0', elements: 6, data: iota(6) }]);
    for (const length of [10, 100, bytes.length - 30, bytes.length - 1]) {
      expectError(() => readTorchCheckpoint(bytes.subarray(0, length)), 'CHECKPOINT_INVALID');
    }
  });
});

describe('readTorchCheckpoint: hostile pickles', () => {
  const directory = mkdtempSync(join(tmpdir(), 'bg-gpt2-hostile-'));
  const marker = join(directory, 'pwned');
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** An OrderedDict whose second value is `module.name('touch <marker>')`. */
  const hostilePickle = (module: string, name: string) => {
    const builder = new PickleBuilder()
      .proto(2)
      .global('collections', 'OrderedDict')
      .tuple(0)
      .op(Opcode.REDUCE);
    builder
      .mark()
      .string('a')
      .int(1)
      .string('b')
      .global(module, name)
      .string(`touch ${marker}`)
      .tuple(1);
    return builder.op(Opcode.REDUCE).op(Opcode.SETITEMS).stop().build();
  };

  it.each([
    ['os', 'system'],
    ['posix', 'system'],
    ['builtins', 'eval'],
    ['subprocess', 'call'],
  ])('%s.%s is refused in zip and legacy checkpoints, and nothing runs', (module, name) => {
    const pickle = hostilePickle(module, name);
    expectError(
      () => readTorchCheckpoint(zipCheckpoint([], {}, { pickle })),
      'PICKLE_REFUSED',
      new RegExp(`"${module}\\.${name}".*Nothing was executed`),
    );
    const legacy = Uint8Array.from([...legacyHeader().flatMap((part) => [...part]), ...pickle]);
    expectError(
      () => readTorchCheckpoint(legacy),
      'PICKLE_REFUSED',
      new RegExp(`"${module}\\.${name}"`),
    );
    expect(existsSync(marker)).toBe(false);
  });
});

describe('readTorchCheckpoint: files that are not checkpoints', () => {
  it.each([
    [new Uint8Array(0), /neither a zip archive nor a pickle/],
    [new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\n'), /Git LFS pointer/],
    [Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]), /safetensors file/],
    [
      (() => {
        const tar = new Uint8Array(1024);
        tar.set(new TextEncoder().encode('ustar'), 257);
        return tar;
      })(),
      /tar format/,
    ],
  ])('%#', (bytes, message) => {
    expectError(() => readTorchCheckpoint(bytes), 'CHECKPOINT_INVALID', message);
  });
});
