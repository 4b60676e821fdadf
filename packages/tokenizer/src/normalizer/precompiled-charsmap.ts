import { TokenizerError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function invalid(reason: string): never {
  throw new TokenizerError(
    'MODEL_INVALID',
    `The model's precompiled normalization rules are corrupt (${reason}). Download the model file again.`,
  );
}

/** The longest rule found at a position: its replacement and how many code units it consumes. */
export interface CharsmapMatch {
  replacement: string;
  consumed: number;
}

/**
 * The `precompiled_charsmap` that spm_train writes into a model: a little-endian uint32 trie
 * size, a Darts-clone double-array trie over UTF-8 bytes whose values are offsets, then the
 * NUL-terminated replacement strings those offsets point into.
 *
 * The trie is used as it is (nothing is built at load time): matching walks it with the UTF-8
 * bytes of the text's characters, computed on the fly from the JavaScript string.
 */
export class PrecompiledCharsmap {
  readonly #units: Uint32Array;
  readonly #strings: Uint8Array;
  readonly #replacements = new Map<number, string>();
  readonly #rootBase: number;
  /**
   * For each BMP code unit, the trie position after its UTF-8 bytes: -1 when no rule starts
   * with it, -2 before it is first looked up. Filled lazily.
   */
  readonly #afterCharacter = new Int32Array(65536).fill(-2);

  constructor(blob: Uint8Array) {
    if (blob.length === 0) {
      this.#units = new Uint32Array(0);
      this.#strings = blob;
      this.#rootBase = 0;
      return;
    }
    if (blob.length < 4) invalid('shorter than its header');
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || trieSize === 0 || 4 + trieSize > blob.length)
      invalid(`trie size ${trieSize}`);
    const count = trieSize / 4;
    this.#units = new Uint32Array(count);
    for (let index = 0; index < count; index++)
      this.#units[index] = view.getUint32(4 + index * 4, true);
    this.#strings = blob.subarray(4 + trieSize);
    this.#rootBase = PrecompiledCharsmap.#offset(this.#units[0]!);
  }

  get empty(): boolean {
    return this.#units.length === 0;
  }

  static #offset(unit: number): number {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  /** Whether some rule may start with the character whose first code unit is `unit`. */
  mayStartWith(unit: number): boolean {
    if (this.#units.length === 0) return false;
    if (unit >= 0xd800 && unit <= 0xdfff) return true;
    let state = this.#afterCharacter[unit]!;
    if (state === -2) {
      state = this.#walkCharacter(unit);
      this.#afterCharacter[unit] = state;
    }
    return state !== -1;
  }

  /** Walks the UTF-8 bytes of one BMP character from the root; the node reached, or -1. */
  #walkCharacter(codePoint: number): number {
    const bytes =
      codePoint < 0x80
        ? [codePoint]
        : codePoint < 0x800
          ? [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f)]
          : [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)];
    const units = this.#units;
    let base = this.#rootBase;
    let node = -1;
    for (const byte of bytes) {
      node = (base ^ byte) >>> 0;
      if (node >= units.length || (units[node]! & 0x800000ff) !== byte) return -1;
      base = (node ^ PrecompiledCharsmap.#offset(units[node]!)) >>> 0;
    }
    return node;
  }

  /** The longest rule matching `text` at `position`, or undefined. */
  longestMatch(text: string, position: number): CharsmapMatch | undefined {
    const units = this.#units;
    const count = units.length;
    if (count === 0) return undefined;
    let node = 0;
    let base = this.#rootBase;
    let bestValue = -1;
    let bestConsumed = 0;
    const bytes = [0, 0, 0, 0];
    let index = position;
    // Start after the first character when its walk is cached (the common case).
    const first = text.charCodeAt(position);
    if (first < 0xd800 || first > 0xdfff) {
      if (!this.mayStartWith(first)) return undefined;
      node = this.#afterCharacter[first]!;
      base = (node ^ PrecompiledCharsmap.#offset(units[node]!)) >>> 0;
      index++;
      if (((units[node]! >>> 8) & 1) === 1) {
        if (base >= count) invalid('a leaf outside the trie');
        bestValue = units[base]! & 0x7fffffff;
        bestConsumed = 1;
      }
    }
    while (index < text.length) {
      // The UTF-8 bytes of the next character.
      let codePoint = text.charCodeAt(index);
      let width = 1;
      if (codePoint >= 0xd800 && codePoint <= 0xdbff && index + 1 < text.length) {
        const low = text.charCodeAt(index + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (low - 0xdc00);
          width = 2;
        }
      }
      let length: number;
      if (codePoint < 0x80) {
        bytes[0] = codePoint;
        length = 1;
      } else if (codePoint < 0x800) {
        bytes[0] = 0xc0 | (codePoint >> 6);
        bytes[1] = 0x80 | (codePoint & 0x3f);
        length = 2;
      } else if (codePoint < 0x10000) {
        bytes[0] = 0xe0 | (codePoint >> 12);
        bytes[1] = 0x80 | ((codePoint >> 6) & 0x3f);
        bytes[2] = 0x80 | (codePoint & 0x3f);
        length = 3;
      } else {
        bytes[0] = 0xf0 | (codePoint >> 18);
        bytes[1] = 0x80 | ((codePoint >> 12) & 0x3f);
        bytes[2] = 0x80 | ((codePoint >> 6) & 0x3f);
        bytes[3] = 0x80 | (codePoint & 0x3f);
        length = 4;
      }
      for (let byteIndex = 0; byteIndex < length; byteIndex++) {
        const byte = bytes[byteIndex]!;
        node = (base ^ byte) >>> 0;
        if (node >= count || (units[node]! & 0x800000ff) !== byte) {
          return bestValue < 0
            ? undefined
            : { replacement: this.#replacement(bestValue), consumed: bestConsumed };
        }
        base = (node ^ PrecompiledCharsmap.#offset(units[node]!)) >>> 0;
      }
      index += width;
      if (((units[node]! >>> 8) & 1) === 1) {
        if (base >= count) invalid('a leaf outside the trie');
        bestValue = units[base]! & 0x7fffffff;
        bestConsumed = index - position;
      }
    }
    return bestValue < 0
      ? undefined
      : { replacement: this.#replacement(bestValue), consumed: bestConsumed };
  }

  #replacement(offset: number): string {
    let text = this.#replacements.get(offset);
    if (text !== undefined) return text;
    if (offset >= this.#strings.length) invalid(`replacement offset ${offset}`);
    let end = offset;
    while (end < this.#strings.length && this.#strings[end] !== 0) end++;
    text = utf8.decode(this.#strings.subarray(offset, end));
    this.#replacements.set(offset, text);
    return text;
  }
}
