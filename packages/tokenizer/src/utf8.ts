/**
 * Decodes UTF-8 bytes the way the C++ library does: every byte that does not start a
 * well-formed character becomes one U+FFFD (WHATWG decoders fold some runs into one).
 */
export function decodeUtf8Like(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let result = '';
  let index = start;
  while (index < end) {
    const [codePoint, length] = decodeCharacter(bytes, index, end);
    result += String.fromCodePoint(codePoint);
    index += length;
  }
  return result;
}

const isTrail = (byte: number) => (byte & 0xc0) === 0x80;
const isValidCodePoint = (codePoint: number) =>
  codePoint < 0xd800 || (codePoint >= 0xe000 && codePoint <= 0x10ffff);

/** One character at `index`: `[codePoint, byteLength]`, `[0xfffd, 1]` when malformed. */
export function decodeCharacter(bytes: Uint8Array, index: number, end: number): [number, number] {
  const length = end - index;
  const first = bytes[index]!;
  if (first < 0x80) return [first, 1];
  if (length >= 2 && (first & 0xe0) === 0xc0) {
    const codePoint = ((first & 0x1f) << 6) | (bytes[index + 1]! & 0x3f);
    if (isTrail(bytes[index + 1]!) && codePoint >= 0x80 && isValidCodePoint(codePoint))
      return [codePoint, 2];
  } else if (length >= 3 && (first & 0xf0) === 0xe0) {
    const codePoint =
      ((first & 0x0f) << 12) | ((bytes[index + 1]! & 0x3f) << 6) | (bytes[index + 2]! & 0x3f);
    if (
      isTrail(bytes[index + 1]!) &&
      isTrail(bytes[index + 2]!) &&
      codePoint >= 0x800 &&
      isValidCodePoint(codePoint)
    ) {
      return [codePoint, 3];
    }
  } else if (length >= 4 && (first & 0xf8) === 0xf0) {
    const codePoint =
      ((first & 0x07) << 18) |
      ((bytes[index + 1]! & 0x3f) << 12) |
      ((bytes[index + 2]! & 0x3f) << 6) |
      (bytes[index + 3]! & 0x3f);
    if (
      isTrail(bytes[index + 1]!) &&
      isTrail(bytes[index + 2]!) &&
      isTrail(bytes[index + 3]!) &&
      codePoint >= 0x10000 &&
      isValidCodePoint(codePoint)
    ) {
      return [codePoint, 4];
    }
  }
  return [0xfffd, 1];
}

/**
 * How many bytes at the end of `bytes[0..end)` could still become a character when more bytes
 * arrive (0 when the sequence ends on a complete character or on bytes that can never be valid).
 */
export function incompleteTailLength(bytes: Uint8Array, end: number): number {
  for (let back = 1; back <= Math.min(3, end); back++) {
    const byte = bytes[end - back]!;
    if (isTrail(byte)) continue;
    const needed =
      byte >= 0xf0 && byte <= 0xf4
        ? 4
        : byte >= 0xe0 && byte < 0xf0
          ? 3
          : byte >= 0xc2 && byte < 0xe0
            ? 2
            : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/**
 * Decodes UTF-8 bytes, turning each malformed byte into a lone surrogate (U+DC00 + byte, as
 * Python's "surrogateescape" does). The normalizer treats a lone surrogate as malformed input
 * and emits U+FFFD for it without normalization rules — what the C++ library does with a
 * malformed byte (a literal U+FFFD in the text, by contrast, is subject to the rules).
 */
export function decodeUtf8Escaped(bytes: Uint8Array): string {
  let result = '';
  for (let index = 0; index < bytes.length; ) {
    const [codePoint, length] = decodeCharacter(bytes, index, bytes.length);
    const malformed = codePoint === 0xfffd && length === 1;
    result += malformed
      ? String.fromCharCode(0xdc00 | bytes[index]!)
      : String.fromCodePoint(codePoint);
    index += length;
  }
  return result;
}
