import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/checkpoint/crc32.js';
import { looksLikeZipArchive, ZipArchive } from '../../src/checkpoint/zip-archive.js';
import { ConvertError } from '../../src/errors.js';
import { buildZip } from './builders/zip-builder.js';

const text = (value: string) => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function expectInvalid(action: () => unknown, message?: RegExp) {
  let error: unknown;
  try {
    action();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConvertError);
  expect((error as ConvertError).code).toBe('CHECKPOINT_INVALID');
  if (message) expect((error as ConvertError).message).toMatch(message);
}

describe('ZipArchive', () => {
  const entries = [
    { name: 'archive/data.pkl', data: text('pickle bytes') },
    { name: 'archive/data/0', data: Uint8Array.of(1, 2, 3, 4) },
    { name: 'archive/empty', data: new Uint8Array(0) },
  ];

  it('lists and reads stored entries as views of the archive', () => {
    const bytes = buildZip(entries);
    expect(looksLikeZipArchive(bytes)).toBe(true);
    const archive = ZipArchive.fromBytes(bytes);
    expect(archive.entries.map((entry) => entry.name)).toEqual(entries.map((entry) => entry.name));
    expect(decode(archive.read('archive/data.pkl'))).toBe('pickle bytes');
    const data = archive.read('archive/data/0');
    expect([...data]).toEqual([1, 2, 3, 4]);
    expect(data.buffer).toBe(bytes.buffer);
    expect(archive.read('archive/empty').length).toBe(0);
    expect(archive.entry('archive/data/0')).toMatchObject({ size: 4, compressionMethod: 0 });
    expect(archive.entry('nope')).toBeUndefined();
    expectInvalid(() => archive.read('nope'), /no entry nope/);
  });

  it('uses the local header extra length (torch pads data to 64-byte boundaries)', () => {
    const padded = entries.map((entry) => ({
      ...entry,
      localExtra: new Uint8Array(37).fill(0x5a),
    }));
    const archive = ZipArchive.fromBytes(buildZip(padded));
    expect(decode(archive.read('archive/data.pkl'))).toBe('pickle bytes');
    expect([...archive.read('archive/data/0')]).toEqual([1, 2, 3, 4]);
  });

  it('finds the end record behind an archive comment', () => {
    const archive = ZipArchive.fromBytes(buildZip(entries, { comment: 'PK\x05\x06 a comment' }));
    expect([...archive.read('archive/data/0')]).toEqual([1, 2, 3, 4]);
  });

  it('reads ZIP64 end records and ZIP64 extra fields', () => {
    const zip64 = entries.map((entry) => ({ ...entry, zip64: true }));
    const archive = ZipArchive.fromBytes(buildZip(zip64, { zip64EndRecord: true }));
    expect(archive.entries.length).toBe(3);
    expect(archive.entry('archive/data/0')).toMatchObject({ size: 4, compressedSize: 4 });
    expect([...archive.read('archive/data/0')]).toEqual([1, 2, 3, 4]);
    expect(decode(archive.read('archive/data.pkl'))).toBe('pickle bytes');
  });

  it('refuses a ZIP64 entry without its extra field', () => {
    const bytes = buildZip([{ name: 'a', data: Uint8Array.of(1), zip64: true }]);
    // Overwrite the extra-field id 0x0001 in the central directory with 0x9999.
    const central = bytes.lastIndexOf(0x50, bytes.length - 22);
    const index = findSequence(bytes, [0x01, 0x00, 0x18, 0x00], central - 80);
    bytes[index] = 0x99;
    bytes[index + 1] = 0x99;
    expectInvalid(() => ZipArchive.fromBytes(bytes), /ZIP64 extra field/);
  });

  it('refuses compressed and encrypted entries by name, but reads the others', () => {
    const archive = ZipArchive.fromBytes(
      buildZip([
        { name: 'archive/data/0', data: Uint8Array.of(1, 2), method: 8 },
        { name: 'archive/data/1', data: Uint8Array.of(3), flags: 1 },
        { name: 'archive/data/2', data: Uint8Array.of(4) },
      ]),
    );
    expectInvalid(
      () => archive.read('archive/data/0'),
      /archive\/data\/0 is compressed \(method 8\)/,
    );
    expectInvalid(() => archive.read('archive/data/1'), /archive\/data\/1 is encrypted/);
    expect([...archive.read('archive/data/2')]).toEqual([4]);
  });

  it('checks the CRC-32 when asked', () => {
    const bytes = buildZip(entries);
    const dataStart = findSequence(bytes, [1, 2, 3, 4], 0);
    bytes[dataStart] = 9;
    const archive = ZipArchive.fromBytes(bytes);
    expect([...archive.read('archive/data/0')]).toEqual([9, 2, 3, 4]);
    expectInvalid(() => archive.read('archive/data/0', { verifyChecksum: true }), /CRC-32/);
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
  });

  it('rejects every truncation with a typed error', () => {
    const bytes = buildZip(entries);
    for (let length = 0; length < bytes.length; length++) {
      expectInvalid(() => {
        const archive = ZipArchive.fromBytes(bytes.subarray(0, length));
        for (const entry of archive.entries) archive.read(entry);
      });
    }
  });

  it('bounds-checks every offset and size', () => {
    const bytes = buildZip(entries);
    const end = bytes.length - 22;
    const view = new DataView(bytes.buffer);
    const patched = (patch: (copy: DataView) => void) => {
      const copy = bytes.slice();
      patch(new DataView(copy.buffer));
      return copy;
    };
    const directory = view.getUint32(end + 16, true);
    expectInvalid(
      () => ZipArchive.fromBytes(patched((copy) => copy.setUint32(end + 16, 0x7fffffff, true))),
      /central directory/,
    );
    expectInvalid(
      () => ZipArchive.fromBytes(patched((copy) => copy.setUint16(end + 10, 5000, true))),
      /5000 entries/,
    );
    expectInvalid(
      () => ZipArchive.fromBytes(patched((copy) => copy.setUint32(directory, 0x12345678, true))),
      /wrong signature/,
    );
    // The first entry's local header offset, far past the end.
    expectInvalid(
      () =>
        ZipArchive.fromBytes(patched((copy) => copy.setUint32(directory + 42, 0x7ffffff0, true))),
      /past the end/,
    );
    // The first entry's size in the central directory, past the end of the file.
    const lying = ZipArchive.fromBytes(
      patched((copy) => {
        copy.setUint32(directory + 20, 0x7fffff00, true);
        copy.setUint32(directory + 24, 0x7fffff00, true);
      }),
    );
    expectInvalid(() => lying.read('archive/data.pkl'), /runs past the end/);
    // A local header that is not one.
    const moved = ZipArchive.fromBytes(patched((copy) => copy.setUint32(directory + 42, 1, true)));
    expectInvalid(() => moved.read('archive/data.pkl'), /local header/);
    // Sizes that disagree for a stored entry.
    const disagreeing = ZipArchive.fromBytes(
      patched((copy) => copy.setUint32(directory + 20, 3, true)),
    );
    expectInvalid(() => disagreeing.read('archive/data.pkl'), /claims 3 bytes/);
  });

  it('refuses duplicate names, split archives and non-archives', () => {
    expectInvalid(
      () =>
        ZipArchive.fromBytes(
          buildZip([
            { name: 'a', data: Uint8Array.of(1) },
            { name: 'a', data: Uint8Array.of(2) },
          ]),
        ),
      /appears twice/,
    );
    const split = buildZip(entries);
    new DataView(split.buffer).setUint16(split.length - 22 + 4, 1, true);
    expectInvalid(() => ZipArchive.fromBytes(split), /multi-disk/);
    expectInvalid(() => ZipArchive.fromBytes(new Uint8Array(4096)), /end-of-central-directory/);
    expect(looksLikeZipArchive(Uint8Array.of(0x80, 2))).toBe(false);
  });

  it('accepts an empty archive', () => {
    const archive = ZipArchive.fromBytes(buildZip([]));
    expect(archive.entries).toEqual([]);
  });
});

function findSequence(bytes: Uint8Array, sequence: number[], from: number): number {
  for (let index = Math.max(0, from); index <= bytes.length - sequence.length; index++) {
    if (sequence.every((value, offset) => bytes[index + offset] === value)) return index;
  }
  throw new Error('sequence not found');
}
