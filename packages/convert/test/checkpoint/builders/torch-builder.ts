/** Test-only: torch.save-shaped checkpoints (zip and legacy) from hand-made pickles. */
import { Opcode } from '../../../src/checkpoint/pickle/opcodes.js';
import { PickleBuilder, type PickledTensor, stateDictPickle } from './pickle-builder.js';
import { buildZip, type ZipBuilderEntry } from './zip-builder.js';

/** Little-endian bytes of typed values. */
export function float32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export interface ZipCheckpointOptions {
  folder?: string;
  byteOrder?: string;
  /** Replaces the state dict pickle. */
  pickle?: Uint8Array;
  /** Pad each local header so data starts on a 64-byte boundary, as torch does. */
  align?: boolean;
  extraEntries?: ZipBuilderEntry[];
}

/** A zip checkpoint: `<folder>/data.pkl`, `<folder>/data/<key>` per storage, `<folder>/version`. */
export function zipCheckpoint(
  tensors: readonly PickledTensor[],
  storages: Record<string, Uint8Array>,
  options: ZipCheckpointOptions = {},
): Uint8Array {
  const folder = options.folder ?? 'archive';
  const prefix = folder === '' ? '' : `${folder}/`;
  const entries: ZipBuilderEntry[] = [
    { name: `${prefix}data.pkl`, data: options.pickle ?? stateDictPickle(tensors) },
  ];
  if (options.byteOrder !== undefined) {
    entries.push({ name: `${prefix}byteorder`, data: new TextEncoder().encode(options.byteOrder) });
  }
  for (const [key, data] of Object.entries(storages)) {
    entries.push({ name: `${prefix}data/${key}`, data });
  }
  entries.push({ name: `${prefix}version`, data: new TextEncoder().encode('3\n') });
  entries.push(...(options.extraEntries ?? []));
  if (options.align) {
    let offset = 0;
    for (const entry of entries) {
      const headerEnd = offset + 30 + new TextEncoder().encode(entry.name).length;
      const padding = (64 - ((headerEnd + 4) % 64)) % 64;
      const extra = new Uint8Array(4 + padding);
      extra.set([0x46, 0x42, padding & 0xff, padding >> 8]); // 'FB' + length, as torch writes
      entry.localExtra = extra;
      offset = headerEnd + extra.length + entry.data.length;
    }
  }
  return buildZip(entries);
}

/** The magic, protocol and sys_info pickles that start a legacy checkpoint. */
export function legacyHeader(littleEndian = true, magic = 0x1950a86a20f9469cfc6cn): Uint8Array[] {
  const systemInfo = new PickleBuilder().proto(2).op(Opcode.EMPTY_DICT).mark();
  systemInfo.string('protocol_version').int(1001);
  systemInfo.string('little_endian').bool(littleEndian);
  systemInfo.string('type_sizes').op(Opcode.EMPTY_DICT).mark();
  systemInfo.string('short').int(2).string('int').int(4).string('long').int(4);
  systemInfo.op(Opcode.SETITEMS).op(Opcode.SETITEMS).stop();
  return [
    new PickleBuilder().proto(2).long1(magic).stop().build(),
    new PickleBuilder().proto(2).int(1001).stop().build(),
    systemInfo.build(),
  ];
}

export interface LegacyStorage {
  key: string;
  /** The element count written before the bytes. */
  elements: number | bigint;
  data: Uint8Array;
}

/** A legacy checkpoint: header pickles, the state dict, the key list, then the storages. */
export function legacyCheckpoint(
  tensors: readonly PickledTensor[],
  storages: readonly LegacyStorage[],
  options: { littleEndian?: boolean; keys?: string[]; header?: Uint8Array[] } = {},
): Uint8Array {
  const keys = new PickleBuilder().proto(2).op(Opcode.EMPTY_LIST).mark();
  for (const key of options.keys ?? storages.map((storage) => storage.key)) keys.string(key);
  const parts: Uint8Array[] = [
    ...(options.header ?? legacyHeader(options.littleEndian ?? true)),
    stateDictPickle(tensors, true),
    keys.op(Opcode.APPENDS).stop().build(),
  ];
  for (const storage of storages) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(storage.elements), true);
    parts.push(count, storage.data);
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const result = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}
