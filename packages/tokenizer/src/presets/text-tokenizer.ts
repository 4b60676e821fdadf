/**
 * What every tokenizer of this package offers, whatever layers sit on the SentencePiece core
 * (ALBERT preprocessing, the bg-gpt2 text convention). The runtime and the sampler depend on
 * this interface only.
 */
export interface TextTokenizer {
  /** Token ids of `text`. */
  encode(text: string): number[];
  /** The pieces `encode` would return ids of. */
  encodeAsPieces(text: string): string[];
  /** The text of token ids. */
  decode(ids: readonly number[]): string;
  /** A decoder for ids that arrive one at a time; `push` returns only final text. */
  createStreamingDecoder(): TextStreamingDecoder;
  /** Number of ids the model knows. */
  readonly vocabularySize: number;
}

/** Incremental detokenization: the concatenation of every return value equals `decode(ids)`. */
export interface TextStreamingDecoder {
  push(id: number): string;
  flush(): string;
}
