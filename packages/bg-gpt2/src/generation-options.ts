import {
  fromHuggingFaceOptions,
  type GenerateOptions,
  type HuggingFaceGenerationOptions,
} from '@bg-gpt2/sampler';
import { LanguageModelError } from './errors.js';

/**
 * How to generate. Every Hugging Face `generate()` setting is accepted under its camelCase name
 * here, or under its own snake_case name (`max_length`, `top_p`, `do_sample`, …) so that settings
 * can be pasted from Python; giving both spellings of one setting is an error.
 *
 * Defaults are Hugging Face's (`top_k` 50 when sampling, `temperature` 1, greedy unless
 * `doSample`), with one exception: when neither `maxNewTokens` nor `maxLength` is given, 50 new
 * tokens are generated (Hugging Face's `max_length` 20 counts the prompt, so a long prompt would
 * get nothing).
 */
export interface GenerationOptions {
  /** Tokens to generate at most (prompt excluded). */
  maxNewTokens?: number;
  /** Prompt + generated tokens at most (Hugging Face's `max_length`). */
  maxLength?: number;
  /** End-of-text is held back until this many tokens were generated. */
  minNewTokens?: number;
  /** End-of-text is held back until prompt + generated reach this length. */
  minLength?: number;
  /** Sample instead of choosing the most likely token (default false). */
  doSample?: boolean;
  /** Sampling temperature (default 1; 0 with `doSample` means greedy). */
  temperature?: number;
  /** Keep the k most likely tokens (default 50 when sampling; 0 disables it). */
  topK?: number;
  /** Nucleus sampling: keep the most likely tokens whose probabilities add up to p (default 1). */
  topP?: number;
  /** Keep tokens at least `minP` × the top probability. */
  minP?: number;
  /** Locally typical sampling mass (default 1: off). */
  typicalP?: number;
  /** Truncation sampling: drop tokens below this probability (default 0: off). */
  epsilonCutoff?: number;
  /** Eta sampling cutoff (default 0: off). */
  etaCutoff?: number;
  /** Hugging Face's repetition penalty (default 1: none; 1.2 is common). */
  repetitionPenalty?: number;
  /** No n-gram of this size appears twice (default 0: off). */
  noRepeatNgramSize?: number;
  /** Token-id sequences never generated. */
  badWordsIds?: number[][];
  /** Token ids never generated. */
  suppressTokens?: number[];
  /** Beams for beam search (default 1: none). */
  numBeams?: number;
  /** Beam search: exponent of the length in the score's denominator (default 1). */
  lengthPenalty?: number;
  /** Beam search stopping rule, as Hugging Face (default false). */
  earlyStopping?: boolean | 'never';
  /** Sequences to return (default 1; see `generateDetailed`). */
  numReturnSequences?: number;
  /** End-of-sequence id(s) (default: `config.json`'s `eos_token_id`). */
  eosTokenId?: number | number[];
  /** Id fed for rows that finished early (Hugging Face's `pad_token_id`). */
  padTokenId?: number;
  /** Seed for sampling: same seed, same model → same text, in Node and in browsers. */
  seed?: number;
  /**
   * Strings that end the text: the text stops before the first one generated (it is not
   * included). While streaming, text that could be the start of one is held back.
   */
  stop?: string | readonly string[];
  /** End the text at the model's `<|endoftext|>` symbol (default true). */
  stopAtEndOfText?: boolean;
  /** Cancels generation (rejects with the sampler's `ABORTED` error). */
  signal?: AbortSignal;
  /** Hugging Face names (`max_length`, `top_p`, …) are accepted too. */
  [huggingFaceName: string]: unknown;
}

/** camelCase option → Hugging Face name. */
const huggingFaceNames: Readonly<Record<string, string>> = {
  maxNewTokens: 'max_new_tokens',
  maxLength: 'max_length',
  minNewTokens: 'min_new_tokens',
  minLength: 'min_length',
  doSample: 'do_sample',
  temperature: 'temperature',
  topK: 'top_k',
  topP: 'top_p',
  minP: 'min_p',
  typicalP: 'typical_p',
  epsilonCutoff: 'epsilon_cutoff',
  etaCutoff: 'eta_cutoff',
  repetitionPenalty: 'repetition_penalty',
  noRepeatNgramSize: 'no_repeat_ngram_size',
  badWordsIds: 'bad_words_ids',
  suppressTokens: 'suppress_tokens',
  numBeams: 'num_beams',
  lengthPenalty: 'length_penalty',
  earlyStopping: 'early_stopping',
  numReturnSequences: 'num_return_sequences',
  eosTokenId: 'eos_token_id',
  padTokenId: 'pad_token_id',
};

/** Options of the facade itself, not passed to the sampler's option mapping. */
const ownOptions = new Set(['seed', 'stop', 'stopAtEndOfText', 'signal']);

/** The facade's options, split into Hugging Face settings and its own. */
export interface ResolvedGenerationOptions {
  sampler: GenerateOptions;
  stop: string[];
  stopAtEndOfText: boolean;
}

/**
 * Maps {@link GenerationOptions} to the sampler's options, with the model's `config.json` as the
 * defaults (its `eos_token_id`, as Hugging Face merges the model's generation config).
 *
 * @param endOfTextId the id of `<|endoftext|>`, added to the end-of-sequence ids unless
 *   `stopAtEndOfText` is false.
 */
export function resolveGenerationOptions(
  options: GenerationOptions,
  modelConfig: Readonly<Record<string, unknown>>,
  endOfTextId: number | undefined,
): ResolvedGenerationOptions {
  if (typeof options !== 'object' || options === null) {
    throw new LanguageModelError('INVALID_ARGUMENT', 'Generation options must be an object.');
  }
  const huggingFace: HuggingFaceGenerationOptions = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || ownOptions.has(name)) continue;
    const target = huggingFaceNames[name] ?? name;
    if (target in huggingFace) {
      throw new LanguageModelError(
        'INVALID_ARGUMENT',
        `The option ${target} is given twice (as ${name} and as ${target}); keep one.`,
      );
    }
    huggingFace[target] = value;
  }
  if (huggingFace.max_new_tokens == null && huggingFace.max_length == null) {
    huggingFace.max_new_tokens = 50;
  }
  const stopAtEndOfText = options.stopAtEndOfText ?? true;
  if (stopAtEndOfText && endOfTextId !== undefined && huggingFace.eos_token_id == null) {
    const configured = modelConfig.eos_token_id;
    const ids = Array.isArray(configured)
      ? configured
      : typeof configured === 'number'
        ? [configured]
        : [];
    huggingFace.eos_token_id = [...new Set([...ids, endOfTextId])];
  }
  const sampler = fromHuggingFaceOptions(huggingFace, modelConfig);
  if (options.seed !== undefined) sampler.seed = options.seed;
  if (options.signal !== undefined) sampler.signal = options.signal;
  const stop =
    options.stop === undefined
      ? []
      : typeof options.stop === 'string'
        ? [options.stop]
        : [...options.stop];
  for (const text of stop) {
    if (typeof text !== 'string' || text.length === 0) {
      throw new LanguageModelError(
        'INVALID_ARGUMENT',
        `Every stop string must be a non-empty string; got ${JSON.stringify(text)}.`,
      );
    }
  }
  return { sampler, stop, stopAtEndOfText };
}
