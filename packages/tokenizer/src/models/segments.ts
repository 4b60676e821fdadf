/**
 * The output of a segmentation algorithm: pieces as ranges of the normalized code units, with
 * their ids (the unknown id for characters the vocabulary lacks). Reused between calls.
 */
export class Segments {
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  ids = new Int32Array(256);
  count = 0;

  clear(): void {
    this.count = 0;
  }

  push(start: number, end: number, id: number): void {
    if (this.count === this.starts.length) this.#grow();
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.ids[this.count] = id;
    this.count++;
  }

  /** Reverses the segments in place (backtracking produces them last first). */
  reverse(): void {
    this.starts.subarray(0, this.count).reverse();
    this.ends.subarray(0, this.count).reverse();
    this.ids.subarray(0, this.count).reverse();
  }

  #grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    starts.set(this.starts);
    const ends = new Int32Array(size);
    ends.set(this.ends);
    const ids = new Int32Array(size);
    ids.set(this.ids);
    this.starts = starts;
    this.ends = ends;
    this.ids = ids;
  }
}

/** One complete segmentation with its score, as n-best and sampling return them. */
export interface ScoredSegmentation {
  segments: Segments;
  score: number;
}

/** What every segmentation algorithm (unigram, bpe, char, word) provides. */
export interface SegmentationModel {
  /** The single best segmentation of `units[0..length)`, appended to `output`. */
  encode(units: Uint16Array, length: number, output: Segments): void;
}

/** The length in code units of the character starting at `index`. */
export function characterLength(units: Uint16Array, index: number, length: number): number {
  const unit = units[index]!;
  if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < length) {
    const next = units[index + 1]!;
    if (next >= 0xdc00 && next <= 0xdfff) return 2;
  }
  return 1;
}
