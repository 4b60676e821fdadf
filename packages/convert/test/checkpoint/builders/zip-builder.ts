/** Test-only: writes ZIP archives byte by byte (stored entries, optional ZIP64 records). */
import { crc32 } from '../../../src/checkpoint/crc32.js';

export interface ZipBuilderEntry {
  name: string;
  data: Uint8Array;
  /** Claimed compression method (the data is written as given). Default 0 (stored). */
  method?: number;
  /** General-purpose flags. Default 0. */
  flags?: number;
  /** Extra bytes in the local header (e.g. alignment padding, as torch writes). */
  localExtra?: Uint8Array;
  /** Write sizes and offset as 0xffffffff with a ZIP64 extra field. */
  zip64?: boolean;
}

export interface ZipBuilderOptions {
  /** Add the ZIP64 end-of-central-directory record and locator, and 0xffff… in the EOCD. */
  zip64EndRecord?: boolean;
  comment?: string;
}

class Bytes {
  readonly parts: number[] = [];
  get length() {
    return this.parts.length;
  }
  u16(value: number) {
    this.parts.push(value & 0xff, (value >>> 8) & 0xff);
  }
  u32(value: number) {
    this.parts.push(
      value & 0xff,
      (value >>> 8) & 0xff,
      (value >>> 16) & 0xff,
      (value >>> 24) & 0xff,
    );
  }
  u64(value: number) {
    this.u32(value % 2 ** 32);
    this.u32(Math.floor(value / 2 ** 32));
  }
  bytes(values: Uint8Array) {
    for (const value of values) this.parts.push(value);
  }
}

const encoder = new TextEncoder();

/** A ZIP archive of `entries`, laid out as local header + data for each, then the directory. */
export function buildZip(
  entries: readonly ZipBuilderEntry[],
  options: ZipBuilderOptions = {},
): Uint8Array {
  const out = new Bytes();
  const offsets: number[] = [];
  for (const entry of entries) {
    offsets.push(out.length);
    const name = encoder.encode(entry.name);
    const extra = entry.localExtra ?? new Uint8Array(0);
    out.u32(0x04034b50);
    out.u16(20);
    out.u16(entry.flags ?? 0);
    out.u16(entry.method ?? 0);
    out.u16(0);
    out.u16(0);
    out.u32(crc32(entry.data));
    out.u32(entry.zip64 ? 0xffffffff : entry.data.length);
    out.u32(entry.zip64 ? 0xffffffff : entry.data.length);
    out.u16(name.length);
    out.u16(extra.length);
    out.bytes(name);
    out.bytes(extra);
    out.bytes(entry.data);
  }
  const directoryOffset = out.length;
  entries.forEach((entry, index) => {
    const name = encoder.encode(entry.name);
    const extra = new Bytes();
    if (entry.zip64) {
      extra.u16(0x0001);
      extra.u16(24);
      extra.u64(entry.data.length);
      extra.u64(entry.data.length);
      extra.u64(offsets[index]!);
    }
    out.u32(0x02014b50);
    out.u16(45);
    out.u16(45);
    out.u16(entry.flags ?? 0);
    out.u16(entry.method ?? 0);
    out.u16(0);
    out.u16(0);
    out.u32(crc32(entry.data));
    out.u32(entry.zip64 ? 0xffffffff : entry.data.length);
    out.u32(entry.zip64 ? 0xffffffff : entry.data.length);
    out.u16(name.length);
    out.u16(extra.length);
    out.u16(0);
    out.u16(0);
    out.u16(0);
    out.u32(0);
    out.u32(entry.zip64 ? 0xffffffff : offsets[index]!);
    out.bytes(name);
    out.bytes(Uint8Array.from(extra.parts));
  });
  const directorySize = out.length - directoryOffset;
  if (options.zip64EndRecord) {
    const recordOffset = out.length;
    out.u32(0x06064b50);
    out.u64(44);
    out.u16(45);
    out.u16(45);
    out.u32(0);
    out.u32(0);
    out.u64(entries.length);
    out.u64(entries.length);
    out.u64(directorySize);
    out.u64(directoryOffset);
    out.u32(0x07064b50);
    out.u32(0);
    out.u64(recordOffset);
    out.u32(1);
  }
  const comment = encoder.encode(options.comment ?? '');
  out.u32(0x06054b50);
  out.u16(0);
  out.u16(0);
  out.u16(options.zip64EndRecord ? 0xffff : entries.length);
  out.u16(options.zip64EndRecord ? 0xffff : entries.length);
  out.u32(options.zip64EndRecord ? 0xffffffff : directorySize);
  out.u32(options.zip64EndRecord ? 0xffffffff : directoryOffset);
  out.u16(comment.length);
  out.bytes(comment);
  return Uint8Array.from(out.parts);
}
