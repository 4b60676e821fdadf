import { ConvertError } from '../errors.js';
import { crc32 } from './crc32.js';
import { plainView } from './plain-bytes.js';

/** One file of a ZIP archive, as its central directory describes it. */
export interface ZipEntry {
  /** The path inside the archive, e.g. `archive/data.pkl`. */
  readonly name: string;
  /** 0 = stored (uncompressed), 8 = deflate, … — only stored entries can be read. */
  readonly compressionMethod: number;
  /** The general-purpose bit flags (bit 0: encrypted). */
  readonly flags: number;
  /** CRC-32 of the uncompressed bytes. */
  readonly crc32: number;
  /** Size in the archive. */
  readonly compressedSize: number;
  /** Size once extracted. */
  readonly size: number;
  /** Where the entry's local header starts. */
  readonly localHeaderOffset: number;
}

const endOfCentralDirectorySignature = 0x06054b50;
const zip64EndOfCentralDirectorySignature = 0x06064b50;
const zip64LocatorSignature = 0x07064b50;
const centralDirectorySignature = 0x02014b50;
const localHeaderSignature = 0x04034b50;
const zip64ExtraFieldId = 0x0001;
const endOfCentralDirectorySize = 22;
const zip64LocatorSize = 20;
const zip64EndOfCentralDirectorySize = 56;
const centralHeaderSize = 46;
const localHeaderSize = 30;
const maximumCommentLength = 0xffff;
const storedMethod = 0;

const utf8 = new TextDecoder('utf-8');

function corrupt(what: string): ConvertError {
  return new ConvertError(
    'CHECKPOINT_INVALID',
    `Not a readable checkpoint archive: ${what}. The file is truncated or corrupt; download it again.`,
  );
}

/** Whether `bytes` starts like a ZIP archive (a local file header or an empty archive). */
export function looksLikeZipArchive(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const signature = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  return signature === localHeaderSignature || signature === endOfCentralDirectorySignature;
}

/**
 * A read-only view of a ZIP archive held in memory, as `torch.save` writes them: entries are
 * found through the central directory (ZIP64 records included), and only stored (uncompressed)
 * entries can be read — reading returns a view of the archive's bytes, never a copy.
 *
 * Every offset and size is checked against the bytes present; a truncated or inconsistent
 * archive throws `CHECKPOINT_INVALID`.
 */
export class ZipArchive {
  /** The entries in central-directory order. */
  readonly entries: readonly ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;
  private readonly view: DataView;

  private constructor(
    private readonly bytes: Uint8Array,
    entries: ZipEntry[],
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = entries;
    this.byName = new Map(entries.map((entry) => [entry.name, entry]));
  }

  /** Reads the central directory of the archive in `bytes` (kept, not copied). */
  static fromBytes(input: Uint8Array): ZipArchive {
    const bytes = plainView(input);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = findEndOfCentralDirectory(bytes, view);
    let entryCount = view.getUint16(end + 10, true);
    let directorySize = view.getUint32(end + 12, true);
    let directoryOffset = view.getUint32(end + 16, true);
    const diskNumber = view.getUint16(end + 4, true);
    if (
      entryCount === 0xffff ||
      directorySize === 0xffffffff ||
      directoryOffset === 0xffffffff ||
      diskNumber === 0xffff
    ) {
      const zip64 = readZip64EndOfCentralDirectory(view, end);
      entryCount = zip64.entryCount;
      directorySize = zip64.directorySize;
      directoryOffset = zip64.directoryOffset;
    } else if (diskNumber !== 0) {
      throw corrupt('a multi-disk (split) archive');
    }
    if (directoryOffset + directorySize > bytes.length) {
      throw corrupt(
        `the central directory (${directorySize} bytes at ${directoryOffset}) lies past the end of the ${bytes.length}-byte file`,
      );
    }
    if (entryCount * centralHeaderSize > directorySize) {
      throw corrupt(
        `${entryCount} entries cannot fit in a ${directorySize}-byte central directory`,
      );
    }
    const entries: ZipEntry[] = [];
    const seen = new Set<string>();
    let position = directoryOffset;
    const directoryEnd = directoryOffset + directorySize;
    for (let index = 0; index < entryCount; index++) {
      if (position + centralHeaderSize > directoryEnd) {
        throw corrupt(`central directory entry ${index} is cut off`);
      }
      if (view.getUint32(position, true) !== centralDirectorySignature) {
        throw corrupt(`central directory entry ${index} at byte ${position} has a wrong signature`);
      }
      const flags = view.getUint16(position + 8, true);
      const compressionMethod = view.getUint16(position + 10, true);
      const checksum = view.getUint32(position + 16, true);
      let compressedSize = view.getUint32(position + 20, true);
      let size = view.getUint32(position + 24, true);
      const nameLength = view.getUint16(position + 28, true);
      const extraLength = view.getUint16(position + 30, true);
      const commentLength = view.getUint16(position + 32, true);
      let localHeaderOffset = view.getUint32(position + 42, true);
      const nameStart = position + centralHeaderSize;
      const extraStart = nameStart + nameLength;
      const next = extraStart + extraLength + commentLength;
      if (next > directoryEnd) throw corrupt(`central directory entry ${index} is cut off`);
      const name = utf8.decode(bytes.subarray(nameStart, extraStart));
      if (
        size === 0xffffffff ||
        compressedSize === 0xffffffff ||
        localHeaderOffset === 0xffffffff
      ) {
        const zip64 = readZip64ExtraField(view, extraStart, extraLength, name, {
          size: size === 0xffffffff,
          compressedSize: compressedSize === 0xffffffff,
          localHeaderOffset: localHeaderOffset === 0xffffffff,
        });
        size = zip64.size ?? size;
        compressedSize = zip64.compressedSize ?? compressedSize;
        localHeaderOffset = zip64.localHeaderOffset ?? localHeaderOffset;
      }
      if (localHeaderOffset + localHeaderSize > bytes.length) {
        throw corrupt(`the entry ${name} starts past the end of the file`);
      }
      if (seen.has(name)) throw corrupt(`the entry ${name} appears twice`);
      seen.add(name);
      entries.push({
        name,
        compressionMethod,
        flags,
        crc32: checksum,
        compressedSize,
        size,
        localHeaderOffset,
      });
      position = next;
    }
    return new ZipArchive(bytes, entries);
  }

  /** The entry called `name`, or `undefined`. */
  entry(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /**
   * The bytes of an entry, as a view of the archive (no copy). Throws `CHECKPOINT_INVALID` for
   * a compressed or encrypted entry, or one whose data lies past the end of the file;
   * `verifyChecksum` also compares the CRC-32 (costs one pass over the bytes).
   */
  read(nameOrEntry: string | ZipEntry, options: { verifyChecksum?: boolean } = {}): Uint8Array {
    const entry = typeof nameOrEntry === 'string' ? this.byName.get(nameOrEntry) : nameOrEntry;
    if (!entry) {
      throw new ConvertError(
        'CHECKPOINT_INVALID',
        `The checkpoint archive has no entry ${String(nameOrEntry)}; the file is incomplete or not a torch.save checkpoint.`,
      );
    }
    if (entry.flags & 1) {
      throw new ConvertError(
        'CHECKPOINT_INVALID',
        `The archive entry ${entry.name} is encrypted; re-save the checkpoint with torch.save.`,
      );
    }
    if (entry.compressionMethod !== storedMethod) {
      throw new ConvertError(
        'CHECKPOINT_INVALID',
        `The archive entry ${entry.name} is compressed (method ${entry.compressionMethod}); only stored entries are read, as torch.save writes them. Re-save the checkpoint with torch.save (or re-zip it with \`zip -0\`).`,
      );
    }
    if (entry.compressedSize !== entry.size) {
      throw corrupt(
        `the stored entry ${entry.name} claims ${entry.compressedSize} bytes in the archive but ${entry.size} extracted`,
      );
    }
    const offset = entry.localHeaderOffset;
    if (this.view.getUint32(offset, true) !== localHeaderSignature) {
      throw corrupt(`the local header of ${entry.name} at byte ${offset} has a wrong signature`);
    }
    const nameLength = this.view.getUint16(offset + 26, true);
    const extraLength = this.view.getUint16(offset + 28, true);
    const start = offset + localHeaderSize + nameLength + extraLength;
    const end = start + entry.size;
    if (end > this.bytes.length) {
      throw corrupt(
        `the entry ${entry.name} (${entry.size} bytes at ${start}) runs past the end of the ${this.bytes.length}-byte file`,
      );
    }
    const data = this.bytes.subarray(start, end);
    if (options.verifyChecksum && crc32(data) !== entry.crc32) {
      throw corrupt(`the entry ${entry.name} fails its CRC-32 check`);
    }
    return data;
  }
}

function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
  if (bytes.length < endOfCentralDirectorySize) {
    throw corrupt(`only ${bytes.length} bytes, too short for a ZIP archive`);
  }
  const lowest = Math.max(0, bytes.length - endOfCentralDirectorySize - maximumCommentLength);
  for (let position = bytes.length - endOfCentralDirectorySize; position >= lowest; position--) {
    if (
      bytes[position] === 0x50 &&
      view.getUint32(position, true) === endOfCentralDirectorySignature &&
      position + endOfCentralDirectorySize + view.getUint16(position + 20, true) <= bytes.length
    ) {
      return position;
    }
  }
  throw corrupt('no end-of-central-directory record (the end of the file is missing)');
}

function readSafeUint64(view: DataView, offset: number, what: string): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw corrupt(`${what} ${value} is impossibly large`);
  return Number(value);
}

function readZip64EndOfCentralDirectory(
  view: DataView,
  end: number,
): { entryCount: number; directorySize: number; directoryOffset: number } {
  const locator = end - zip64LocatorSize;
  if (locator < 0 || view.getUint32(locator, true) !== zip64LocatorSignature) {
    throw corrupt('the ZIP64 end-of-central-directory locator is missing');
  }
  const recordOffset = readSafeUint64(view, locator + 8, 'the ZIP64 record offset');
  if (recordOffset + zip64EndOfCentralDirectorySize > locator) {
    throw corrupt(`the ZIP64 end-of-central-directory record at ${recordOffset} is out of place`);
  }
  if (view.getUint32(recordOffset, true) !== zip64EndOfCentralDirectorySignature) {
    throw corrupt(
      `the ZIP64 end-of-central-directory record at ${recordOffset} has a wrong signature`,
    );
  }
  if (view.getUint32(recordOffset + 16, true) !== 0 || view.getUint32(locator + 4, true) !== 0) {
    throw corrupt('a multi-disk (split) archive');
  }
  return {
    entryCount: readSafeUint64(view, recordOffset + 32, 'the entry count'),
    directorySize: readSafeUint64(view, recordOffset + 40, 'the central directory size'),
    directoryOffset: readSafeUint64(view, recordOffset + 48, 'the central directory offset'),
  };
}

function readZip64ExtraField(
  view: DataView,
  start: number,
  length: number,
  name: string,
  wanted: { size: boolean; compressedSize: boolean; localHeaderOffset: boolean },
): { size?: number; compressedSize?: number; localHeaderOffset?: number } {
  let position = start;
  const end = start + length;
  while (position + 4 <= end) {
    const id = view.getUint16(position, true);
    const fieldLength = view.getUint16(position + 2, true);
    const fieldStart = position + 4;
    const fieldEnd = fieldStart + fieldLength;
    if (fieldEnd > end) break;
    if (id === zip64ExtraFieldId) {
      const result: { size?: number; compressedSize?: number; localHeaderOffset?: number } = {};
      let cursor = fieldStart;
      const take = (what: string): number => {
        if (cursor + 8 > fieldEnd) throw corrupt(`the ZIP64 field of ${name} lacks its ${what}`);
        const value = readSafeUint64(view, cursor, `the ${what} of ${name}`);
        cursor += 8;
        return value;
      };
      // The order is fixed by the ZIP specification; only the overflowed fields are present.
      if (wanted.size) result.size = take('size');
      if (wanted.compressedSize) result.compressedSize = take('compressed size');
      if (wanted.localHeaderOffset) result.localHeaderOffset = take('local header offset');
      return result;
    }
    position = fieldEnd;
  }
  throw corrupt(`the entry ${name} needs a ZIP64 extra field but has none`);
}
