import { DoubleArrayTrie } from '../double-array-trie.js';
import type { Vocabulary } from '../vocabulary.js';
import { characterLength, type SegmentationModel, type Segments } from './segments.js';
import { StdPriorityQueue } from './std-priority-queue.js';

interface SymbolPair {
  left: number;
  right: number;
  score: number;
  size: number;
}

/**
 * Byte-pair encoding as `bpe_model.cc` does it: start from characters (user-defined symbols
 * kept whole and frozen), repeatedly merge the adjacent pair whose merged piece scores highest
 * (ties: leftmost), then split any UNUSED piece back into the pieces it was merged from.
 */
export class BpeModel implements SegmentationModel {
  constructor(private readonly vocabulary: Vocabulary) {}

  /** The id of the matchable piece spelled by `units[start..end)`, or -1. */
  #lookup(units: Uint16Array, start: number, end: number): number {
    const trie = this.vocabulary.matchable;
    let node = DoubleArrayTrie.root;
    for (let index = start; index < end; index++) {
      node = trie.child(node, units[index]!);
      if (node < 0) return -1;
    }
    return trie.value(node);
  }

  encode(units: Uint16Array, length: number, output: Segments): void {
    if (length === 0) return;
    const vocabulary = this.vocabulary;
    const starts: number[] = [];
    const sizes: number[] = [];
    const frozen: boolean[] = [];
    const previous: number[] = [];
    const next: number[] = [];
    for (let position = 0; position < length; ) {
      const user = vocabulary.userDefined?.longestMatch(units, position, length);
      const size = user ? user.length : characterLength(units, position, length);
      const index = starts.length;
      starts.push(position);
      sizes.push(size);
      frozen.push(user !== undefined);
      previous.push(index - 1);
      position += size;
      next.push(position < length ? index + 1 : -1);
    }

    const agenda = new StdPriorityQueue<SymbolPair>(
      (a, b) => a.score < b.score || (a.score === b.score && a.left > b.left),
    );
    const reverseMerges = new Map<number, [number, number, number, number]>();
    const addPair = (left: number, right: number) => {
      if (left === -1 || right === -1 || frozen[left] || frozen[right]) return;
      const start = starts[left]!;
      const end = start + sizes[left]! + sizes[right]!;
      const id = this.#lookup(units, start, end);
      if (id < 0) return;
      agenda.push({ left, right, score: vocabulary.scores[id]!, size: end - start });
      if (vocabulary.isUnused(id)) {
        reverseMerges.set(id, [start, start + sizes[left]!, start + sizes[left]!, end]);
      }
    };
    for (let index = 1; index < starts.length; index++) addPair(index - 1, index);

    while (agenda.size > 0) {
      const top = agenda.pop();
      const { left, right } = top;
      if (sizes[left] === 0 || sizes[right] === 0 || sizes[left]! + sizes[right]! !== top.size)
        continue;
      sizes[left] = top.size;
      next[left] = next[right]!;
      if (next[right]! >= 0) previous[next[right]!] = left;
      sizes[right] = 0;
      addPair(previous[left]!, left);
      addPair(left, next[left]!);
    }

    const resegment = (start: number, end: number): void => {
      const id = this.#lookup(units, start, end);
      if (id < 0 || !vocabulary.isUnused(id)) {
        output.push(start, end, id < 0 ? vocabulary.unknownId : id);
        return;
      }
      const split = reverseMerges.get(id);
      if (split === undefined) {
        output.push(start, end, id);
        return;
      }
      // The recorded split is for the first place this piece was seen; apply its lengths here.
      const leftLength = split[1] - split[0];
      resegment(start, start + leftLength);
      resegment(start + leftLength, end);
    };
    for (let index = 0; index !== -1; index = next[index]!) {
      resegment(starts[index]!, starts[index]! + sizes[index]!);
    }
  }
}
