import { DoubleArrayTrie } from '../double-array-trie.js';
import type { Vocabulary } from '../vocabulary.js';
import { type ScoredSegmentation, type SegmentationModel, Segments } from './segments.js';
import { UnigramLattice } from './unigram-lattice.js';

/** The C++ library's penalty below the lowest score for an unknown character. */
const unknownPenalty = 10;

/**
 * The unigram language model segmenter: the Viterbi best path over every vocabulary piece
 * matching the text, with the C++ library's exact arithmetic (float scores, double candidate
 * sums, user-defined symbols given a bonus so they always win, unknown characters scored
 * `min - 10`). N-best and sampling run on an explicit lattice, as in `unigram_model.cc`.
 */
export class UnigramModel implements SegmentationModel {
  #bestScores = new Float64Array(1024);
  #startsAt = new Int32Array(1024);
  #bestIds = new Int32Array(1024);
  readonly #unknownScore: number;

  constructor(private readonly vocabulary: Vocabulary) {
    this.#unknownScore = Math.fround(vocabulary.minScore - unknownPenalty);
  }

  encode(units: Uint16Array, length: number, output: Segments): void {
    if (length === 0) return;
    if (this.#startsAt.length < length + 1) {
      let size = this.#startsAt.length;
      while (size < length + 1) size *= 2;
      this.#bestScores = new Float64Array(size);
      this.#startsAt = new Int32Array(size);
      this.#bestIds = new Int32Array(size);
    }
    const bestScores = this.#bestScores;
    const startsAt = this.#startsAt;
    const bestIds = this.#bestIds;
    startsAt.fill(-1, 0, length + 1);
    bestScores[0] = 0;
    const vocabulary = this.vocabulary;
    const trie = vocabulary.matchable;
    const codes = trie.codes;
    const data = trie.data;
    const scores = vocabulary.scores;
    const types = vocabulary.types;
    const byteLengths = vocabulary.byteLengths;
    const maxScore = vocabulary.maxScore;
    const unknownScore = this.#unknownScore;
    const unknownId = vocabulary.unknownId;

    let start = 0;
    while (start < length) {
      const base = bestScores[start]!;
      const first = units[start]!;
      const characterSize =
        first >= 0xd800 &&
        first <= 0xdbff &&
        start + 1 < length &&
        (units[start + 1]! & 0xfc00) === 0xdc00
          ? 2
          : 1;
      let hasSingleCharacter = false;
      let node = DoubleArrayTrie.root;
      for (let end = start; end < length; ) {
        // One step of the double-array trie (DoubleArrayTrie.child, inlined).
        const code = codes[units[end]!]!;
        if (code === 0) break;
        const next = data[node]! + code;
        if (data[next + 1] !== node + 1) break;
        node = next;
        end++;
        const id = data[node + 2]! - 1;
        if (id < 0) continue;
        const type = types[id]!;
        if (type === 5 /* unused */) continue;
        const score =
          type === 4 /* user defined */
            ? Math.fround(byteLengths[id]! * maxScore) - 0.1
            : scores[id]!;
        const candidate = score + base;
        if (startsAt[end] === -1 || candidate > bestScores[end]!) {
          bestScores[end] = Math.fround(candidate);
          startsAt[end] = start;
          bestIds[end] = id;
        }
        if (end - start === characterSize) hasSingleCharacter = true;
      }
      if (!hasSingleCharacter) {
        const end = start + characterSize;
        const candidate = Math.fround(unknownScore + base);
        if (startsAt[end] === -1 || candidate > bestScores[end]!) {
          bestScores[end] = candidate;
          startsAt[end] = start;
          bestIds[end] = unknownId;
        }
      }
      start += characterSize;
    }

    const first = output.count;
    for (let end = length; end > 0; ) {
      const begin = startsAt[end]!;
      output.push(begin, end, bestIds[end]!);
      end = begin;
    }
    // Reverse what was appended.
    for (let left = first, right = output.count - 1; left < right; left++, right--) {
      const start = output.starts[left]!;
      const end = output.ends[left]!;
      const id = output.ids[left]!;
      output.starts[left] = output.starts[right]!;
      output.ends[left] = output.ends[right]!;
      output.ids[left] = output.ids[right]!;
      output.starts[right] = start;
      output.ends[right] = end;
      output.ids[right] = id;
    }
  }

  #lattice(units: Uint16Array, length: number): UnigramLattice {
    return new UnigramLattice(units, length, this.vocabulary, this.#unknownScore);
  }

  /** The `size` best segmentations, best first, with their scores (sum of piece scores). */
  nbest(units: Uint16Array, length: number, size: number): ScoredSegmentation[] {
    if (length === 0) return [{ segments: new Segments(), score: 0 }];
    const clamped = Math.max(1, Math.min(size, 1024));
    return this.#lattice(units, length).nbest(clamped);
  }

  /**
   * One segmentation drawn from the lattice with probability ∝ exp(alpha · score) —
   * subword regularisation by forward-filtering, backward-sampling.
   */
  sample(
    units: Uint16Array,
    length: number,
    alpha: number,
    random: () => number,
  ): ScoredSegmentation {
    if (length === 0) return { segments: new Segments(), score: 0 };
    return this.#lattice(units, length).sample(alpha, random);
  }
}
