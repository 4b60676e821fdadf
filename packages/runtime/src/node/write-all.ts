import type { FileHandle } from 'node:fs/promises';

/** Writes every byte of `chunk` at the handle's position (a single `write` may write fewer). */
export async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}
