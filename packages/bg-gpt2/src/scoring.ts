import type { Model } from '@bg-gpt2/runtime';
import { logSumExp } from '@bg-gpt2/sampler';
import type { Vocabulary } from './vocabulary.js';

/** A token of a scored text. */
export interface ScoredToken {
  id: number;
  /** The SentencePiece piece. */
  piece: string;
  /**
   * Natural-log probability of this token given every token before it; `null` for the first
   * token, which has no context.
   */
  logprob: number | null;
}

/** What `lm.score` returns. */
export interface TextScore {
  tokens: ScoredToken[];
  /** Sum of the tokens' log-probabilities (the first token excluded). */
  total: number;
  /** `exp(−total / scored tokens)`; `NaN` when fewer than two tokens. */
  perplexity: number;
}

/** Longest window read at once (its logits are window × vocabulary floats). */
const maximumWindow = 512;

/**
 * @internal Scores ids with the model: every position's logits from one pass per window.
 * Windows overlap by half, so each token after the first window is scored with at least half a
 * window of context.
 */
export async function scoreIds(
  model: Model,
  ids: readonly number[],
  vocabulary: Vocabulary,
): Promise<TextScore> {
  const tokens: ScoredToken[] = ids.map((id) => ({
    id,
    piece: vocabulary.pieces[id] ?? '',
    logprob: null,
  }));
  if (ids.length >= 2) {
    const window = Math.min(model.config.contextLength, maximumWindow);
    const stride = Math.max(1, Math.floor(window / 2));
    const vocabularySize = model.config.vocabularySize;
    const session = model.createSession();
    try {
      // Token t is scored from the window that ends at or after it and starts as early as allowed.
      let scoredUpTo = 1;
      for (let start = 0; scoredUpTo < ids.length; start += stride) {
        const end = Math.min(ids.length, start + window);
        const logits = await session.logitsAll(ids.slice(start, end));
        for (let position = Math.max(scoredUpTo, start + 1); position < end; position++) {
          const row = logits.subarray(
            (position - 1 - start) * vocabularySize,
            (position - start) * vocabularySize,
          );
          tokens[position].logprob = row[ids[position]] - logSumExp(row);
        }
        scoredUpTo = end;
      }
    } finally {
      await session.dispose();
    }
  }
  let total = 0;
  let count = 0;
  for (const token of tokens) {
    if (token.logprob !== null) {
      total += token.logprob;
      count++;
    }
  }
  return { tokens, total, perplexity: count === 0 ? Number.NaN : Math.exp(-total / count) };
}
