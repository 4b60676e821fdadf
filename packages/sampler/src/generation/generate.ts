import { invalid } from '../validation.js';
import { beamSearch } from './beam-search.js';
import type { GeneratedSequence, GenerateOptions, GenerationResult } from './generate-options.js';
import { resolveOptions } from './resolved-options.js';
import { decodeRows } from './sampling-decoder.js';
import type { StepModel } from './step-model.js';

/**
 * Generates a continuation of `promptIds` with `model`: greedy, sampling or beam search
 * (see {@link GenerateOptions}), until an end-of-sequence id, a stop sequence or the length
 * limit.
 *
 * ```ts
 * const session = model.createSession();            // @bg-gpt2/runtime, or any StepModel
 * const { tokens } = await generate(session, ids, {
 *   ...fromHuggingFaceOptions({ do_sample: true, max_length: 50, top_p: 0.92, top_k: 0, pad_token_id: 2 }),
 *   seed: 42,
 * });
 * ```
 *
 * @returns the generated ids (prompt excluded) of every sequence, with per-step log-probs when
 *   `logprobs` was asked.
 * @throws SamplerError `INVALID_ARGUMENT` for bad options (before any model call), `ABORTED`
 *   when `signal` fires, `ALL_TOKENS_REMOVED` when the processors leave no token,
 *   `MODEL_OUTPUT_INVALID` for logits of the wrong size; the model's own errors pass through.
 */
export async function generate(
  model: StepModel,
  promptIds: readonly number[],
  options: GenerateOptions,
): Promise<GenerationResult> {
  const resolved = resolveOptions(model, promptIds, options);
  let sequences: GeneratedSequence[];
  if (resolved.mode === 'beam') {
    sequences = await beamSearch(model, promptIds, resolved);
  } else {
    const rows = resolved.numReturnSequences;
    sequences = Array.from({ length: rows }, () => ({
      tokens: [],
      finishReason: 'length',
      ...(resolved.logprobs === undefined ? {} : { logprobs: [] }),
    }));
    for await (const decoded of decodeRows(model, promptIds, resolved, rows)) {
      const sequence = sequences[decoded.row];
      sequence.tokens.push(decoded.token);
      if (decoded.logprobs !== undefined) sequence.logprobs?.push(decoded.logprobs);
      if (decoded.finishReason !== undefined) sequence.finishReason = decoded.finishReason;
    }
  }
  return { tokens: sequences[0].tokens, finishReason: sequences[0].finishReason, sequences };
}

/**
 * {@link generate} one token at a time: an async iterable of the generated ids as they are
 * chosen (greedy or sampling; one sequence). The iterator's return value is the whole
 * {@link GenerationResult}. Breaking out of the loop stops generation (no further model calls).
 *
 * ```ts
 * for await (const id of generateStream(session, ids, { maxNewTokens: 40, eosTokenIds: 50256 })) {
 *   process.stdout.write(decoder.push(id));
 * }
 * ```
 *
 * @throws SamplerError `INVALID_ARGUMENT` at once for bad options or for beam search /
 *   `numReturnSequences > 1` (use `generate`); the other errors of {@link generate} while iterating.
 */
export function generateStream(
  model: StepModel,
  promptIds: readonly number[],
  options: GenerateOptions,
): AsyncGenerator<number, GenerationResult, undefined> {
  const resolved = resolveOptions(model, promptIds, options);
  if (resolved.mode === 'beam' || resolved.numReturnSequences !== 1) {
    invalid(
      'generateStream yields one sequence: use generate() for beam search or numReturnSequences > 1.',
    );
  }
  return (async function* stream(): AsyncGenerator<number, GenerationResult, undefined> {
    const sequence: GeneratedSequence = {
      tokens: [],
      finishReason: 'length',
      ...(resolved.logprobs === undefined ? {} : { logprobs: [] }),
    };
    for await (const decoded of decodeRows(model, promptIds, resolved, 1)) {
      sequence.tokens.push(decoded.token);
      if (decoded.logprobs !== undefined) sequence.logprobs?.push(decoded.logprobs);
      if (decoded.finishReason !== undefined) sequence.finishReason = decoded.finishReason;
      yield decoded.token;
    }
    return { tokens: sequence.tokens, finishReason: sequence.finishReason, sequences: [sequence] };
  })();
}
