import { TokenizerError } from '../errors.js';

/** One rule of a compiled normalization: replace `from` (at the start of the input) with `to`. */
export interface CharsmapRule {
  from: string;
  to: string;
}

const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function invalid(reason: string): never {
  throw new TokenizerError(
    'MODEL_INVALID',
    `The model's precompiled normalization rules are corrupt (${reason}). Download the model file again.`,
  );
}

/**
 * Reads the `precompiled_charsmap` blob that spm_train writes into a model: a little-endian
 * uint32 trie size, a Darts-clone double-array trie over UTF-8 bytes whose values are offsets,
 * then the NUL-terminated replacement strings those offsets point into.
 *
 * The trie is walked once, depth first, to list every rule; the normalizer then matches the
 * rules on UTF-16 text with its own trie. Longest-match semantics are unchanged, since every
 * rule starts and ends on a character boundary.
 */
export function readPrecompiledCharsmap(blob: Uint8Array): CharsmapRule[] {
  if (blob.length === 0) return [];
  if (blob.length < 4) invalid('shorter than its header');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const trieSize = view.getUint32(0, true);
  if (trieSize % 4 !== 0 || 4 + trieSize > blob.length) invalid(`trie size ${trieSize}`);
  const unitCount = trieSize / 4;
  const units = new Uint32Array(unitCount);
  for (let index = 0; index < unitCount; index++) units[index] = view.getUint32(4 + index * 4, true);
  const strings = blob.subarray(4 + trieSize);

  const hasLeaf = (unit: number) => ((unit >>> 8) & 1) === 1;
  const value = (unit: number) => unit & 0x7fffffff;
  const label = (unit: number) => unit & 0x800000ff;
  const offset = (unit: number) => (unit >>> 10) << ((unit & (1 << 9)) >>> 6);

  const replacementAt = (position: number): string => {
    if (position >= strings.length) invalid(`replacement offset ${position}`);
    let end = position;
    while (end < strings.length && strings[end] !== 0) end++;
    return lenientUtf8.decode(strings.subarray(position, end));
  };

  const rules: CharsmapRule[] = [];
  const key: number[] = [];
  const visit = (node: number, depth: number) => {
    if (depth > 256) invalid('a rule longer than 256 bytes');
    const unit = units[node]!;
    const base = (node ^ offset(unit)) >>> 0;
    if (hasLeaf(unit)) {
      if (base >= unitCount) invalid(`a leaf outside the trie`);
      const bytes = Uint8Array.from(key);
      let from: string;
      try {
        from = strictUtf8.decode(bytes);
      } catch {
        // A rule on bytes that are not UTF-8 can only ever match malformed input, which a
        // JavaScript string cannot hold.
        from = '';
      }
      if (from.length > 0) rules.push({ from, to: replacementAt(value(units[base]!)) });
    }
    for (let byte = 1; byte < 256; byte++) {
      const child = (base ^ byte) >>> 0;
      if (child >= unitCount) continue;
      if (label(units[child]!) !== byte) continue;
      key.push(byte);
      visit(child, depth + 1);
      key.pop();
    }
  };
  if (unitCount > 0) visit(0, 0);
  return rules;
}
