import { BoundarySearch } from '../math/boundary-search.js';
import { logSoftmax } from '../math/softmax.js';
import { topEntriesWith } from '../math/top-entries.js';
import { type StepLogprobs, tokenLogprobsWith } from '../selection/token-logprobs.js';
import type { FinishReason, GeneratedSequence } from './generate-options.js';
import type { ResolvedOptions } from './resolved-options.js';
import { SequenceContext } from './sequence-context.js';
import type { StepModel } from './step-model.js';
import { checkLogits, finishReason, throwIfAborted } from './stopping.js';

interface Beam {
  context: SequenceContext;
  /** Sum of the processed log-probs of the generated tokens. */
  score: number;
  logprobs: StepLogprobs[] | undefined;
  /** The batch row holding this beam's cache and logits. */
  row: number;
}

interface Candidate {
  parent: number;
  token: number;
  score: number;
}

interface Hypothesis {
  tokens: number[];
  /** Length-normalized score. */
  score: number;
  finishReason: FinishReason;
  logprobs: StepLogprobs[] | undefined;
}

/**
 * Beam search as Hugging Face's `generate(num_beams=…)` (its vectorized `_beam_search`):
 *
 * - each step, every running beam's logits become log-probabilities (log-softmax), go through
 *   the processors, and are added to the beam's score; the best `max(2, 1 + eos ids) × numBeams`
 *   continuations are ranked (ties: earlier beam, then lower id);
 * - a continuation that ends (end-of-sequence id, stop sequence, or length limit) becomes a
 *   finished hypothesis with score `sum / generatedLength ** lengthPenalty` — only if it ranks
 *   among the first `numBeams` — and the best `numBeams` hypotheses are kept;
 * - the best `numBeams` continuations that do not end are the next running beams;
 * - it stops when the length limit is reached, when `earlyStopping === true` and `numBeams`
 *   hypotheses are finished, or when the best running beam cannot beat the worst kept
 *   hypothesis: its score divided by `generatedLength ** lengthPenalty` (`earlyStopping` false),
 *   or by `maxNewTokens ** lengthPenalty` when `earlyStopping` is `'never'` and
 *   `lengthPenalty > 0`.
 *
 * The first step expands the single prompt beam (Hugging Face starts with copies scored −1e9;
 * here the copies are simply not there). With `model.reorder`, the prompt is prefilled once
 * per beam and each step is one batched `step` after a reorder; without it, each step
 * re-prefills the running beams' whole sequences.
 */
export async function beamSearch(
  model: StepModel,
  prompt: readonly number[],
  options: ResolvedOptions,
): Promise<GeneratedSequence[]> {
  const { numBeams, lengthPenalty, earlyStopping, processor, signal, vocabularySize } = options;
  if (options.maxNewTokens === 0) {
    return Array.from({ length: options.numReturnSequences }, () => ({
      tokens: [],
      finishReason: 'length',
      score: 0,
      ...(options.logprobs === undefined ? {} : { logprobs: [] }),
    }));
  }
  const keep = Math.max(2, 1 + options.eosTokenIds.length) * numBeams;
  const canReorder = typeof model.reorder === 'function';
  const search = new BoundarySearch();
  const promptLength = prompt.length;

  throwIfAborted(signal);
  let rows = canReorder ? numBeams : 1;
  let logits = checkLogits(
    await model.prefill(canReorder ? Array.from({ length: numBeams }, () => prompt) : prompt),
    rows,
    vocabularySize,
  );
  let running: Beam[] = [
    {
      context: new SequenceContext([...prompt], promptLength),
      score: 0,
      logprobs: options.logprobs === undefined ? undefined : [],
      row: 0,
    },
  ];
  const finished: Hypothesis[] = [];
  let improvable = true;
  let generated = 0;
  const rowOf = (beam: Beam): Float32Array =>
    logits.subarray(beam.row * vocabularySize, (beam.row + 1) * vocabularySize);

  for (;;) {
    throwIfAborted(signal);
    generated++;
    const candidates: Candidate[] = [];
    running.forEach((beam, parent) => {
      const scores = rowOf(beam);
      logSoftmax(scores, scores);
      processor?.process(scores, beam.context);
      for (const token of topEntriesWith(scores, keep, search)) {
        candidates.push({ parent, token, score: beam.score + scores[token] });
      }
    });
    candidates.sort(
      (left, right) =>
        right.score - left.score || left.parent - right.parent || left.token - right.token,
    );
    if (candidates.length > keep) candidates.length = keep;

    const canFinish = improvable && !(earlyStopping === true && finished.length === numBeams);
    const next: Beam[] = [];
    candidates.forEach((candidate, rank) => {
      const parent = running[candidate.parent];
      const tokens = [...parent.context.tokens, candidate.token];
      const reason = finishReason(tokens, promptLength, options);
      const extend = (): StepLogprobs[] | undefined =>
        parent.logprobs === undefined
          ? undefined
          : [
              ...parent.logprobs,
              tokenLogprobsWith(rowOf(parent), candidate.token, options.logprobs ?? 0, search),
            ];
      if (reason !== undefined) {
        if (rank < numBeams && canFinish) {
          addHypothesis(
            finished,
            {
              tokens: tokens.slice(promptLength),
              score: candidate.score / generated ** lengthPenalty,
              finishReason: reason,
              logprobs: extend(),
            },
            numBeams,
          );
        }
      } else if (next.length < numBeams) {
        next.push({
          context: new SequenceContext(tokens, promptLength),
          score: candidate.score,
          logprobs: extend(),
          row: parent.row,
        });
      }
    });
    running = next;

    if (running.length > 0 && improvable && finished.length === numBeams) {
      const bestLength =
        earlyStopping === 'never' && lengthPenalty > 0 ? options.maxNewTokens : generated;
      const bestPossible = running[0].score / bestLength ** lengthPenalty;
      improvable = bestPossible > finished[numBeams - 1].score;
    }
    if (
      !improvable ||
      (earlyStopping === true && finished.length === numBeams) ||
      running.length === 0 ||
      generated >= options.maxNewTokens
    ) {
      break;
    }

    throwIfAborted(signal);
    if (canReorder) {
      const indices = Array.from({ length: rows }, (_, row) => (running[row] ?? running[0]).row);
      const tokens = Array.from({ length: rows }, (_, row) => {
        const tokens = (running[row] ?? running[0]).context.tokens;
        return tokens[tokens.length - 1];
      });
      if (indices.some((source, row) => source !== row)) {
        await (model.reorder as (indices: readonly number[]) => Promise<void>)(indices);
        throwIfAborted(signal);
      }
      logits = checkLogits(await model.step(tokens), rows, vocabularySize);
    } else {
      rows = running.length;
      logits = checkLogits(
        await model.prefill(running.map((beam) => beam.context.tokens)),
        rows,
        vocabularySize,
      );
    }
    running.forEach((beam, row) => {
      beam.row = row;
    });
  }

  // Fewer finished hypotheses than asked for (every continuation ended beyond rank numBeams):
  // complete with the running beams, as Hugging Face's finalize did.
  for (const beam of running) {
    if (finished.length >= options.numReturnSequences) break;
    addHypothesis(
      finished,
      {
        tokens: beam.context.generated(),
        score: beam.score / generated ** lengthPenalty,
        finishReason: 'length',
        logprobs: beam.logprobs,
      },
      numBeams,
    );
  }
  return finished.slice(0, options.numReturnSequences).map((hypothesis) => ({
    tokens: hypothesis.tokens,
    finishReason: hypothesis.finishReason,
    score: hypothesis.score,
    ...(hypothesis.logprobs === undefined ? {} : { logprobs: hypothesis.logprobs }),
  }));
}

/** Inserts `hypothesis` by score (after equal ones), keeping the best `limit`. */
function addHypothesis(finished: Hypothesis[], hypothesis: Hypothesis, limit: number): void {
  let position = finished.length;
  while (position > 0 && finished[position - 1].score < hypothesis.score) position--;
  if (position >= limit) return;
  finished.splice(position, 0, hypothesis);
  if (finished.length > limit) finished.length = limit;
}
