import type { SentencePieceTokenizer } from '@bg-gpt2/tokenizer';

/** Words remembered before the cache starts over. */
const cacheSize = 65536;
/** What an unknown piece costs beyond the rarest known one (SentencePiece's own penalty). */
const unknownPenalty = 10;

/**
 * How likely a string is as a word, without context: the log-probability of its best
 * segmentation under the tokenizer's unigram model (the sum of the scores of the pieces
 * SentencePiece encodes `▁word` with). A common word is one cheap piece; a misspelling of it
 * usually needs several rare ones — which makes this a cheap prior for ranking candidate
 * corrections before the model sees them. Cached.
 */
export class SegmentationPrior {
  private readonly cache = new Map<string, number>();
  private readonly unknownScore: number;

  constructor(
    private readonly sentencePiece: Pick<
      SentencePieceTokenizer,
      'encode' | 'score' | 'isUnknown' | 'vocabularySize'
    >,
  ) {
    let minimum = 0;
    for (let id = 0; id < sentencePiece.vocabularySize; id++) {
      const score = sentencePiece.score(id);
      if (score < minimum) minimum = score;
    }
    this.unknownScore = minimum - unknownPenalty;
  }

  /** Log-probability (nats, ≤ 0 for unigram models) of the word's best segmentation. */
  logProbability(word: string): number {
    const known = this.cache.get(word);
    if (known !== undefined) return known;
    const sentencePiece = this.sentencePiece;
    let total = 0;
    for (const id of sentencePiece.encode(word)) {
      total += sentencePiece.isUnknown(id) ? this.unknownScore : sentencePiece.score(id);
    }
    if (this.cache.size >= cacheSize) this.cache.clear();
    this.cache.set(word, total);
    return total;
  }
}
