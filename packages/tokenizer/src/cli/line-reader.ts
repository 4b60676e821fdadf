import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { decodeUtf8Escaped } from '../utf8.js';

const newline = 0x0a;

/** A line's text: UTF-8 decoded, malformed bytes as lone surrogates, which the tokenizer treats as the C++ tools treat malformed bytes. */
function decodeLine(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : decodeUtf8Escaped(bytes);
}

/**
 * Yields batches of lines from files (or stdin when `paths` is empty), split on "\n" only —
 * a "\r" stays in the line, as it does for spm_encode. A last line without "\n" is a line.
 */
export async function* readLineBatches(paths: readonly string[]): AsyncGenerator<string[]> {
  const sources = paths.length === 0 ? [undefined] : paths;
  for (const path of sources) {
    const stream =
      path === undefined ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
    let carry: Buffer | undefined;
    for await (const piece of stream as AsyncIterable<Buffer>) {
      const chunk = carry ? Buffer.concat([carry, piece]) : piece;
      const last = chunk.lastIndexOf(newline);
      if (last < 0) {
        carry = chunk;
        continue;
      }
      const complete = chunk.subarray(0, last);
      carry = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : undefined;
      if (isUtf8(complete)) {
        yield complete.toString('utf8').split('\n');
      } else {
        const lines: string[] = [];
        let start = 0;
        for (;;) {
          const end = complete.indexOf(newline, start);
          lines.push(decodeLine(complete.subarray(start, end < 0 ? complete.length : end)));
          if (end < 0) break;
          start = end + 1;
        }
        yield lines;
      }
    }
    if (carry !== undefined && carry.length > 0) yield [decodeLine(carry)];
  }
}
