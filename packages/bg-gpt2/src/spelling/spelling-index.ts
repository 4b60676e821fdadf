import type { Vocabulary } from '../vocabulary.js';
import { wordStart } from '../vocabulary.js';
import { editDistance } from './edit-distance.js';

/** A known word near a looked-up one. */
export interface SpellingCandidate {
  /** The known word (lower case). */
  word: string;
  /** Its edit distance to the looked-up word. */
  distance: number;
  /** Its prior: the piece's unigram log-probability (higher is more common). */
  prior: number;
}

/** 32-bit FNV-1a of a string's UTF-16 units. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

/** The string with each one of its characters deleted, and itself. */
function deletions(word: string): string[] {
  const result = [word];
  for (let index = 0; index < word.length; index++) {
    result.push(word.slice(0, index) + word.slice(index + 1));
  }
  return result;
}

const letters = /^[\p{L}\p{M}]+$/u;

/**
 * The words a spelling corrector may propose, indexed once for fast look-up of the words within
 * a small edit distance (the symmetric-deletion method: a word and a known word are within
 * distance 2 only if some one-character deletions of each coincide; candidates are then checked
 * with the real distance). The index is two typed arrays — the hashes of every word's
 * one-deletion variants, sorted, and the word each belongs to — a few MB for 50 000 pieces.
 */
export class SpellingIndex {
  /** The known words, lower case. */
  readonly words: readonly string[];
  /** Each word's prior (higher is more common). */
  readonly priors: Float64Array;
  private readonly keys: Uint32Array;
  private readonly owners: Uint32Array;
  private readonly known: Set<string>;

  /** @param words known words (lower case, distinct); @param priors one per word. */
  constructor(words: readonly string[], priors: ArrayLike<number>) {
    this.words = words;
    this.priors = Float64Array.from(priors);
    this.known = new Set(words);
    const pairs: [number, number][] = [];
    words.forEach((word, owner) => {
      for (const variant of new Set(deletions(word))) pairs.push([hash(variant), owner]);
    });
    pairs.sort((left, right) => left[0] - right[0] || left[1] - right[1]);
    this.keys = Uint32Array.from(pairs, (pair) => pair[0]);
    this.owners = Uint32Array.from(pairs, (pair) => pair[1]);
  }

  /**
   * The whole words of a model's vocabulary: pieces that start a word (`▁`) and are made of
   * letters only, at least two of them; the prior is the piece's unigram score.
   */
  static fromVocabulary(vocabulary: Vocabulary): SpellingIndex {
    const best = new Map<string, number>();
    vocabulary.pieces.forEach((piece, id) => {
      if (!piece.startsWith(wordStart) || !vocabulary.isText(id)) return;
      const word = piece.slice(1).toLowerCase();
      if (word.length < 2 || !letters.test(word)) return;
      const prior = vocabulary.sentencePiece.score(id);
      const known = best.get(word);
      if (known === undefined || prior > known) best.set(word, prior);
    });
    return new SpellingIndex([...best.keys()], [...best.values()]);
  }

  /** Whether the index knows the word (lower case). */
  has(word: string): boolean {
    return this.known.has(word);
  }

  /** Known words within `maximumDistance` (1 or 2) of `word` (lower case), itself included. */
  lookup(word: string, maximumDistance = 1): SpellingCandidate[] {
    const found = new Map<number, number>();
    for (const variant of new Set(deletions(word))) {
      const key = hash(variant);
      for (
        let index = this.lowerBound(key);
        index < this.keys.length && this.keys[index] === key;
        index++
      ) {
        const owner = this.owners[index];
        if (found.has(owner)) continue;
        found.set(owner, editDistance(word, this.words[owner], maximumDistance));
      }
    }
    const candidates: SpellingCandidate[] = [];
    for (const [owner, distance] of found) {
      if (distance <= maximumDistance) {
        candidates.push({ word: this.words[owner], distance, prior: this.priors[owner] });
      }
    }
    return candidates.sort(
      (left, right) => left.distance - right.distance || right.prior - left.prior,
    );
  }

  private lowerBound(key: number): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keys[middle] < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
