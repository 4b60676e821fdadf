import { BoundarySearch } from '../math/boundary-search.js';
import { argmax } from '../selection/greedy.js';
import { sampleToken } from '../selection/multinomial.js';
import { type StepLogprobs, tokenLogprobsWith } from '../selection/token-logprobs.js';
import type { FinishReason } from './generate-options.js';
import type { ResolvedOptions } from './resolved-options.js';
import { SequenceContext } from './sequence-context.js';
import type { StepModel } from './step-model.js';
import { checkLogits, finishReason, throwIfAborted } from './stopping.js';

/** One token chosen for one row. */
export interface DecodedToken {
  row: number;
  token: number;
  logprobs: StepLogprobs | undefined;
  /** Set when this token ends the row. */
  finishReason: FinishReason | undefined;
}

/**
 * Greedy or multinomial decoding of `rows` independent sequences of the same prompt (one batch
 * row each), yielding every token as it is chosen. Rows that finished are fed the pad id until
 * all have finished.
 */
export async function* decodeRows(
  model: StepModel,
  prompt: readonly number[],
  options: ResolvedOptions,
  rows: number,
): AsyncGenerator<DecodedToken, void, undefined> {
  if (options.maxNewTokens === 0) return;
  const vocabularySize = options.vocabularySize;
  const contexts = Array.from(
    { length: rows },
    () => new SequenceContext([...prompt], prompt.length),
  );
  const finished: boolean[] = new Array(rows).fill(false);
  let remaining = rows;
  const search = new BoundarySearch();
  const { signal } = options;

  throwIfAborted(signal);
  let logits = checkLogits(
    await model.prefill(rows === 1 ? prompt : contexts.map(() => prompt)),
    rows,
    vocabularySize,
  );
  for (;;) {
    throwIfAborted(signal);
    const next: number[] = [];
    for (let row = 0; row < rows; row++) {
      const context = contexts[row];
      if (finished[row]) {
        next.push(options.padTokenId ?? context.tokens[context.tokens.length - 1]);
        continue;
      }
      const scores = logits.subarray(row * vocabularySize, (row + 1) * vocabularySize);
      const token = choose(scores, context, options);
      const logprobs =
        options.logprobs === undefined
          ? undefined
          : tokenLogprobsWith(scores, token, options.logprobs, search);
      context.tokens.push(token);
      const reason = finishReason(context.tokens, prompt.length, options);
      if (reason !== undefined) {
        finished[row] = true;
        remaining--;
      }
      next.push(token);
      yield { row, token, logprobs, finishReason: reason };
    }
    if (remaining === 0) return;
    throwIfAborted(signal);
    logits = checkLogits(await model.step(rows === 1 ? next[0] : next), rows, vocabularySize);
  }
}

/** Processes one row and picks its token: argmax, or a draw (by the chain's fast path if any). */
function choose(scores: Float32Array, context: SequenceContext, options: ResolvedOptions): number {
  const { processor, random } = options;
  if (random === undefined) {
    processor?.process(scores, context);
    return argmax(scores);
  }
  // Log-probabilities are read from the processed row, which the fast path may not write.
  if (options.logprobs === undefined && processor?.sample !== undefined) {
    return processor.sample(scores, context, random);
  }
  processor?.process(scores, context);
  return sampleToken(scores, random);
}
