import { describe, expect, it } from 'vitest';
import {
  createGenerationContext,
  type GenerateOptions,
  generate,
  type LogitsProcessor,
  logSoftmax,
  RepetitionPenaltyProcessor,
} from '../src/index.js';
import { hashedLogit, ToyModel } from './toy-model.js';

interface Finished {
  tokens: number[];
  score: number;
}

interface Search {
  prompt: number[];
  vocabularySize: number;
  maxNewTokens: number;
  eos: number[];
  lengthPenalty: number;
  processor?: LogitsProcessor;
  logitOf?: (sequence: readonly number[], token: number) => number;
}

/** The processed log-probabilities after `sequence`, as the loop computes them (float32 row). */
function scores(search: Search, sequence: number[]): Float32Array {
  const model = new ToyModel(search.vocabularySize, search.logitOf ?? hashedLogit);
  const row = logSoftmax(model.logits(sequence));
  search.processor?.process(row, createGenerationContext(sequence, search.prompt.length));
  return row;
}

/** Every sequence that can be generated, scored as Hugging Face scores finished hypotheses. */
function bruteForce(search: Search): Finished[] {
  const finished: Finished[] = [];
  const visit = (generated: number[], sum: number): void => {
    const row = scores(search, [...search.prompt, ...generated]);
    row.forEach((score, token) => {
      if (!(score > Number.NEGATIVE_INFINITY)) return;
      const tokens = [...generated, token];
      const total = sum + score;
      if (search.eos.includes(token) || tokens.length === search.maxNewTokens) {
        finished.push({ tokens, score: total / tokens.length ** search.lengthPenalty });
      } else {
        visit(tokens, total);
      }
    });
  };
  visit([], 0);
  return finished.sort((left, right) => right.score - left.score);
}

/**
 * Hugging Face's beam search, written as plainly as possible over lists (no batch, no cache):
 * the reference for the batched, reordering implementation.
 */
function referenceBeamSearch(
  search: Search,
  numBeams: number,
  earlyStopping: boolean | 'never',
  numReturnSequences: number,
): Finished[] {
  const keep = Math.max(2, 1 + search.eos.length) * numBeams;
  let running: { tokens: number[]; sum: number }[] = [{ tokens: [], sum: 0 }];
  let finished: Finished[] = [];
  let improvable = true;
  for (let length = 1; ; length++) {
    const candidates: { parent: number; token: number; sum: number }[] = [];
    running.forEach((beam, parent) => {
      scores(search, [...search.prompt, ...beam.tokens]).forEach((score, token) => {
        if (score > Number.NEGATIVE_INFINITY)
          candidates.push({ parent, token, sum: beam.sum + score });
      });
    });
    candidates.sort((a, b) => b.sum - a.sum || a.parent - b.parent || a.token - b.token);
    const top = candidates.slice(0, keep);
    const canFinish = improvable && !(earlyStopping === true && finished.length === numBeams);
    const next: { tokens: number[]; sum: number }[] = [];
    top.forEach((candidate, rank) => {
      const tokens = [...running[candidate.parent].tokens, candidate.token];
      const ends = search.eos.includes(candidate.token) || length >= search.maxNewTokens;
      if (ends) {
        if (rank < numBeams && canFinish) {
          const score = candidate.sum / length ** search.lengthPenalty;
          finished = [...finished, { tokens, score }]
            .map((entry, order) => ({ entry, order }))
            .sort((a, b) => b.entry.score - a.entry.score || a.order - b.order)
            .map(({ entry }) => entry)
            .slice(0, numBeams);
        }
      } else if (next.length < numBeams) {
        next.push({ tokens, sum: candidate.sum });
      }
    });
    running = next;
    if (running.length > 0 && improvable && finished.length === numBeams) {
      const best =
        earlyStopping === 'never' && search.lengthPenalty > 0 ? search.maxNewTokens : length;
      improvable = running[0].sum / best ** search.lengthPenalty > finished[numBeams - 1].score;
    }
    if (
      !improvable ||
      (earlyStopping === true && finished.length === numBeams) ||
      running.length === 0 ||
      length >= search.maxNewTokens
    ) {
      break;
    }
  }
  return finished.slice(0, numReturnSequences);
}

function options(search: Search, extra: GenerateOptions): GenerateOptions {
  return {
    maxNewTokens: search.maxNewTokens,
    eosTokenIds: search.eos,
    lengthPenalty: search.lengthPenalty,
    processor: search.processor,
    ...extra,
  };
}

describe('beam search', () => {
  it('with beams enough for every sequence, finds the brute-force best ones', async () => {
    for (const lengthPenalty of [1, 0, -0.5, 2]) {
      for (const processor of [undefined, new RepetitionPenaltyProcessor(1.5)]) {
        for (const prompt of [[0], [2, 1], [3, 0, 1]]) {
          const search: Search = {
            prompt,
            vocabularySize: 4,
            maxNewTokens: 3,
            eos: [3],
            lengthPenalty,
            processor,
          };
          const expected = bruteForce(search).slice(0, 5);
          const result = await generate(
            new ToyModel(4),
            prompt,
            options(search, { numBeams: 64, numReturnSequences: 5, earlyStopping: 'never' }),
          );
          const label = `lp ${lengthPenalty}, ${processor ? 'penalty' : 'plain'}, prompt ${prompt}`;
          expect(
            result.sequences.map((sequence) => sequence.tokens),
            label,
          ).toEqual(expected.map((entry) => entry.tokens));
          result.sequences.forEach((sequence, index) => {
            expect(sequence.score, label).toBeCloseTo(expected[index].score, 9);
            expect(sequence.finishReason).toBe(sequence.tokens.at(-1) === 3 ? 'eos' : 'length');
          });
        }
      }
    }
  });

  it('with few beams, matches a plain list implementation of Hugging Face’s algorithm', async () => {
    let compared = 0;
    for (const numBeams of [2, 3, 4]) {
      for (const earlyStopping of [false, true, 'never'] as const) {
        for (const lengthPenalty of [1, 0.5, -1]) {
          for (const [index, prompt] of [[1], [4, 2], [0, 5, 3]].entries()) {
            const search: Search = {
              prompt,
              vocabularySize: 7,
              maxNewTokens: 5,
              eos: index === 2 ? [6, 2] : [6],
              lengthPenalty,
            };
            const expected = referenceBeamSearch(search, numBeams, earlyStopping, numBeams);
            for (const withReorder of [true, false]) {
              const model = new ToyModel(7, hashedLogit, { withReorder });
              const result = await generate(
                model,
                prompt,
                options(search, { numBeams, numReturnSequences: numBeams, earlyStopping }),
              );
              const label = `beams ${numBeams}, early ${earlyStopping}, lp ${lengthPenalty}, prompt ${prompt}, reorder ${withReorder}`;
              expect(
                result.sequences.map((sequence) => sequence.tokens),
                label,
              ).toEqual(expected.map((entry) => entry.tokens));
              result.sequences.forEach((sequence, position) => {
                expect(sequence.score, label).toBeCloseTo(expected[position].score, 9);
              });
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(162);
  });

  it('finds a better sequence than greedy', async () => {
    // After [0]: p(0) = 0.6, p(1) = 0.4. After [0, 0]: 0.5 / 0.5. After [0, 1]: 0.95 / 0.05.
    const table = (sequence: readonly number[], token: number): number => {
      if (token === 2) return Math.log(1e-9);
      if (sequence.length === 1) return Math.log(token === 0 ? 0.6 : 0.4);
      if (sequence[1] === 0) return Math.log(0.5);
      return Math.log(token === 0 ? 0.95 : 0.05);
    };
    const greedy = await generate(new ToyModel(3, table), [0], { maxNewTokens: 2 });
    expect(greedy.tokens).toEqual([0, 0]); // probability 0.3
    const beams = await generate(new ToyModel(3, table), [0], {
      maxNewTokens: 2,
      numBeams: 2,
      lengthPenalty: 0,
    });
    expect(beams.tokens).toEqual([1, 0]); // probability 0.38
    expect(beams.sequences[0].score).toBeCloseTo(Math.log(0.38), 6);
  });

  it('with reorder: one prefill of a row per beam, then one step per token', async () => {
    const model = new ToyModel(7);
    await generate(model, [1, 2], { maxNewTokens: 4, numBeams: 3, eosTokenIds: 6 });
    expect(model.calls[0]).toBe('prefill 3×2');
    expect(model.calls.filter((call) => call.startsWith('prefill'))).toHaveLength(1);
    expect(model.calls.filter((call) => call.startsWith('step'))).toHaveLength(3);
    const without = new ToyModel(7, hashedLogit, { withReorder: false });
    await generate(without, [1, 2], { maxNewTokens: 4, numBeams: 3, eosTokenIds: 6 });
    expect(without.calls.every((call) => call.startsWith('prefill'))).toBe(true);
    expect(without.calls[0]).toBe('prefill 1×2');
  });

  it('early stopping true stops as soon as numBeams hypotheses are finished', async () => {
    // End-of-sequence is likely everywhere: hypotheses finish early.
    const likesEnd = (sequence: readonly number[], token: number) =>
      token === 3 ? 1 : hashedLogit(sequence, token);
    const eager = new ToyModel(4, likesEnd);
    const patient = new ToyModel(4, likesEnd);
    const common = { maxNewTokens: 8, numBeams: 2, eosTokenIds: 3, numReturnSequences: 2 } as const;
    const first = await generate(eager, [0], { ...common, earlyStopping: true });
    await generate(patient, [0], { ...common, earlyStopping: 'never', lengthPenalty: 1 });
    expect(first.sequences.every((sequence) => sequence.finishReason === 'eos')).toBe(true);
    expect(eager.calls.length).toBeLessThanOrEqual(patient.calls.length);
  });

  it('reports per-step log-probabilities of each returned beam', async () => {
    const result = await generate(new ToyModel(5), [1], {
      maxNewTokens: 3,
      numBeams: 2,
      numReturnSequences: 2,
      logprobs: 2,
      lengthPenalty: 0,
    });
    for (const sequence of result.sequences) {
      const steps = sequence.logprobs ?? [];
      expect(steps.map((step) => step.token)).toEqual(sequence.tokens);
      const sum = steps.reduce((total, step) => total + step.logprob, 0);
      expect(sum).toBeCloseTo(sequence.score ?? Number.NaN, 5); // no processor: processed = log-softmax
      for (const step of steps) expect(step.top).toHaveLength(2);
    }
  });
});
