import { DoubleArrayTrie } from '../double-array-trie.js';
import type { NormalizerSpec } from '../model-proto.js';
import { PrecompiledCharsmap } from './precompiled-charsmap.js';

/** U+2581 LOWER ONE EIGHTH BLOCK, the visible stand-in for a space inside pieces. */
export const spaceSymbol = '\u2581';
const spaceSymbolUnit = 0x2581;
const spaceUnit = 0x20;

/** A normalized text as UTF-16 code units, with its alignment to the original string. */
export interface NormalizedUnits {
  /** The normalized text's code units; only `[0, length)` is meaningful. */
  units: Uint16Array;
  length: number;
  /**
   * For each normalized code unit, plus one final entry, the UTF-16 offset in the original
   * string it came from (present only when asked for).
   */
  alignment: Int32Array | undefined;
}

/**
 * SentencePiece's normalizer, step for step as `normalizer.cc` does it: user-defined symbols
 * first and verbatim, then the longest rule of the precompiled charsmap, else the character
 * itself; leading, trailing and repeated whitespace removed; a dummy prefix (or suffix) space;
 * spaces escaped to `▁`. It also records, for every output unit, where it came from.
 */
export class Normalizer {
  readonly #rules: PrecompiledCharsmap;
  #units = new Uint16Array(1024);
  #alignment = new Int32Array(1025);

  readonly #userDefinedSymbols: DoubleArrayTrie | undefined;
  readonly #treatWhitespaceAsSuffix: boolean;

  constructor(
    readonly spec: NormalizerSpec,
    userDefinedSymbols: DoubleArrayTrie | undefined,
    treatWhitespaceAsSuffix = false,
  ) {
    this.#userDefinedSymbols = userDefinedSymbols;
    this.#treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    this.#rules = new PrecompiledCharsmap(spec.precompiledCharsmap);
  }

  /** Normalizes `text` to a string (what `spm_normalize` prints). */
  normalize(text: string): string {
    const { units, length } = this.normalizeToUnits(text, false);
    return decodeUnits(units, 0, length);
  }

  /**
   * Normalizes `text` into a scratch buffer owned by this normalizer (valid until the next call).
   */
  normalizeToUnits(input: string, withAlignment: boolean): NormalizedUnits {
    const text = input;
    const spec = this.spec;
    const removeExtra = spec.removeExtraWhitespaces;
    const escapeSpaces = spec.escapeWhitespaces;
    const end = text.length;
    let position = 0;
    let consumed = 0;
    let length = 0;
    const space = escapeSpaces ? spaceSymbolUnit : spaceUnit;

    // Leading whitespace: skipped while a whole chunk normalizes to exactly " ".
    if (removeExtra) {
      while (position < end) {
        const chunk = this.#prefixAt(text, position);
        if (chunk.replacement !== ' ') break;
        position += chunk.consumed;
        consumed += chunk.consumed;
      }
    }
    if (position >= end)
      return {
        units: this.#units,
        length: 0,
        alignment: withAlignment ? Int32Array.of(consumed) : undefined,
      };

    this.#ensureCapacity(end - position + 2);
    let units = this.#units;
    let alignment = this.#alignment;

    if (!this.#treatWhitespaceAsSuffix && spec.addDummyPrefix) {
      units[length] = space;
      if (withAlignment) alignment[length] = consumed;
      length++;
    }

    let previousIsSpace = removeExtra;
    while (position < end) {
      let unit = text.charCodeAt(position);
      let chunkConsumed = 1;
      let malformed = false;
      if (unit >= 0xd800 && unit <= 0xdfff) {
        if (
          unit <= 0xdbff &&
          position + 1 < end &&
          (text.charCodeAt(position + 1) & 0xfc00) === 0xdc00
        ) {
          chunkConsumed = 2;
        } else {
          // A lone surrogate is malformed text: like a malformed UTF-8 byte in C++, it becomes
          // U+FFFD as it is, with no normalization rule applied.
          malformed = true;
          unit = 0xfffd;
        }
      }
      // Fast path: a character with no rule and no user-defined symbol is copied as it is.
      const userNode =
        this.#userDefinedSymbols === undefined || malformed
          ? -1
          : this.#userDefinedSymbols.child(DoubleArrayTrie.root, unit);
      const rule =
        userNode < 0 && !malformed && this.#rules.mayStartWith(unit)
          ? this.#rules.longestMatch(text, position)
          : undefined;
      if (rule === undefined && userNode < 0) {
        if (unit === spaceUnit) {
          if (!previousIsSpace) {
            units[length] = space;
            if (withAlignment) alignment[length] = consumed;
            length++;
          }
          previousIsSpace = true;
        } else {
          units[length] = unit;
          if (withAlignment) alignment[length] = consumed;
          length++;
          if (chunkConsumed === 2) {
            units[length] = text.charCodeAt(position + 1);
            if (withAlignment) alignment[length] = consumed;
            length++;
          }
          previousIsSpace = false;
        }
      } else {
        const chunk = rule ?? this.#prefixAt(text, position);
        chunkConsumed = chunk.consumed;
        const replacement = chunk.replacement;
        let start = 0;
        if (previousIsSpace)
          while (start < replacement.length && replacement.charCodeAt(start) === spaceUnit) start++;
        if (start < replacement.length) {
          if (length + replacement.length - start + 2 > units.length) {
            this.#ensureCapacity(length + replacement.length + (end - position) + 2, length);
            units = this.#units;
            alignment = this.#alignment;
          }
          for (let index = start; index < replacement.length; index++) {
            const code = replacement.charCodeAt(index);
            units[length] = escapeSpaces && code === spaceUnit ? spaceSymbolUnit : code;
            if (withAlignment) alignment[length] = consumed;
            length++;
          }
          previousIsSpace = replacement.charCodeAt(replacement.length - 1) === spaceUnit;
        }
      }
      consumed += chunkConsumed;
      position += chunkConsumed;
      if (!removeExtra) previousIsSpace = false;
    }

    if (removeExtra) {
      while (length > 0 && units[length - 1] === space) {
        length--;
        if (withAlignment) consumed = alignment[length]!;
      }
    }

    if (this.#treatWhitespaceAsSuffix && spec.addDummyPrefix) {
      units[length] = space;
      if (withAlignment) alignment[length] = consumed;
      length++;
    }
    if (withAlignment) alignment[length] = consumed;
    return {
      units,
      length,
      alignment: withAlignment ? alignment.subarray(0, length + 1) : undefined,
    };
  }

  /** The normalized form of the longest chunk at `position`, and how many units it consumed. */
  #prefixAt(text: string, position: number): { replacement: string; consumed: number } {
    const first = text.charCodeAt(position);
    if (first >= 0xd800 && first <= 0xdfff) {
      const paired =
        first <= 0xdbff &&
        position + 1 < text.length &&
        (text.charCodeAt(position + 1) & 0xfc00) === 0xdc00;
      if (!paired) return { replacement: '\uFFFD', consumed: 1 };
    }
    if (this.#userDefinedSymbols !== undefined) {
      const match = this.#userDefinedSymbols.longestMatchInString(text, position);
      if (match)
        return {
          replacement: text.slice(position, position + match.length),
          consumed: match.length,
        };
    }
    const rule = this.#rules.longestMatch(text, position);
    if (rule) return rule;
    const unit = text.charCodeAt(position);
    const consumed = unit >= 0xd800 && unit <= 0xdbff && position + 1 < text.length ? 2 : 1;
    return { replacement: text.slice(position, position + consumed), consumed };
  }

  #ensureCapacity(needed: number, keep = 0): void {
    if (this.#units.length >= needed) return;
    let size = this.#units.length;
    while (size < needed) size *= 2;
    const units = new Uint16Array(size);
    units.set(this.#units.subarray(0, keep));
    const alignment = new Int32Array(size + 1);
    alignment.set(this.#alignment.subarray(0, keep));
    this.#units = units;
    this.#alignment = alignment;
  }
}

/** Turns a range of UTF-16 code units into a string. */
export function decodeUnits(units: Uint16Array, start: number, end: number): string {
  const chunk = 8192;
  if (end - start <= chunk)
    return String.fromCharCode.apply(null, units.subarray(start, end) as unknown as number[]);
  let result = '';
  for (let index = start; index < end; index += chunk) {
    result += String.fromCharCode.apply(
      null,
      units.subarray(index, Math.min(end, index + chunk)) as unknown as number[],
    );
  }
  return result;
}
