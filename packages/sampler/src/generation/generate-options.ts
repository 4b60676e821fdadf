import type { LogitsProcessor } from '../logits-processor.js';
import type { Random } from '../random.js';
import type { StepLogprobs } from '../selection/token-logprobs.js';

/**
 * How `generate` / `generateStream` decode. Names and meanings follow Hugging Face's `generate`
 * (camelCase); `fromHuggingFaceOptions` builds this object from Hugging Face's own names.
 *
 * The decoding mode is chosen as in Hugging Face: `numBeams > 1` → beam search; otherwise
 * `doSample` → multinomial sampling; otherwise greedy.
 */
export interface GenerateOptions {
  /**
   * The logits processor(s) — usually a `ProcessorChain` — applied to every row before the
   * choice. Default: none (raw logits). In beam search they see log-probabilities (the
   * log-softmax of the logits), as in Hugging Face.
   */
  processor?: LogitsProcessor;

  /** Multinomial sampling instead of greedy choice (default false). */
  doSample?: boolean;
  /** The random source for sampling (e.g. `createRandom(seed)`); exclusive with `seed`. */
  random?: Random;
  /**
   * Seed for sampling (an integer in [0, 2^53)): same seed, same model output → same tokens, in
   * Node and in browsers. Without `seed` or `random`, sampling is seeded at random.
   */
  seed?: number;

  /** Beams for beam search (default 1: no beam search). */
  numBeams?: number;
  /**
   * Beam search: a finished hypothesis scores `sum of log-probs / generatedLength ** lengthPenalty`
   * (default 1). Above 0 favours longer sequences, below 0 shorter ones.
   */
  lengthPenalty?: number;
  /**
   * Beam search stopping, as Hugging Face: `true` stops as soon as `numBeams` hypotheses are
   * finished; `false` (default) stops when, by a heuristic, no running beam can beat them;
   * `'never'` stops only when that is certain (canonical beam search).
   */
  earlyStopping?: boolean | 'never';
  /**
   * Sequences returned (default 1). Sampling draws them independently (one batch row each);
   * beam search returns the best ones (at most `numBeams`); greedy allows only 1.
   */
  numReturnSequences?: number;

  /**
   * The most tokens to generate (prompt excluded); `Infinity` for no limit. Takes precedence over
   * `maxLength`. One of the two is required.
   */
  maxNewTokens?: number;
  /** The most tokens in prompt + generated (Hugging Face's `max_length`); `Infinity` for no limit. */
  maxLength?: number;
  /** End-of-sequence id(s): generating one ends the sequence (it is included in the output). */
  eosTokenIds?: number | readonly number[];
  /**
   * The id fed to the model for rows that already finished while others go on (sampling with
   * `numReturnSequences > 1`). Default: the first end-of-sequence id, else the row's last token.
   */
  padTokenId?: number;
  /**
   * Token sequences that end generation once generated (checked over the generated tokens; the
   * sequence is included in the output).
   */
  stopSequences?: readonly (readonly number[])[];

  /**
   * Report per-step log-probabilities (log-softmax of the processed logits): `true` for the
   * chosen token's, a number `n` for it and the `n` most likely alternatives. Default: none.
   */
  logprobs?: boolean | number;

  /**
   * Stops generation: checked before every model call and after it returns. When it fires,
   * `generate` rejects (and `generateStream` throws) a `SamplerError` with code `ABORTED` whose
   * `cause` is `signal.reason`; tokens already yielded by `generateStream` stay delivered.
   */
  signal?: AbortSignal;
}

/** Why a sequence ended. */
export type FinishReason = 'eos' | 'stop-sequence' | 'length';

/** One generated sequence. */
export interface GeneratedSequence {
  /** The generated ids, prompt excluded; a final end-of-sequence id or stop sequence included. */
  tokens: number[];
  /** Why it ended. */
  finishReason: FinishReason;
  /**
   * Beam search only: Hugging Face's sequence score — the sum of the processed log-probs of its
   * tokens divided by `tokens.length ** lengthPenalty`.
   */
  score?: number;
  /** Per generated token, when `logprobs` was asked. */
  logprobs?: StepLogprobs[];
}

/** What `generate` returns. */
export interface GenerationResult {
  /** The generated ids of the first sequence (the best one for beam search), prompt excluded. */
  tokens: number[];
  /** Why the first sequence ended. */
  finishReason: FinishReason;
  /** Every sequence: `numReturnSequences` of them, best first for beam search. */
  sequences: GeneratedSequence[];
}
