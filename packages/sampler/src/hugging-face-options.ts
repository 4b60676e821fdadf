import type { GenerateOptions } from './generation/generate-options.js';
import type { LogitsProcessor } from './logits-processor.js';
import { ProcessorChain } from './processor-chain.js';
import { BadWordsProcessor } from './processors/bad-words.js';
import { EpsilonProcessor } from './processors/epsilon.js';
import { EtaProcessor } from './processors/eta.js';
import { ForcedEosProcessor } from './processors/forced-eos.js';
import { LogSoftmaxProcessor } from './processors/log-softmax.js';
import { MinLengthProcessor } from './processors/min-length.js';
import { MinNewTokensProcessor } from './processors/min-new-tokens.js';
import { MinPProcessor } from './processors/min-p.js';
import { NoRepeatNGramProcessor } from './processors/no-repeat-n-gram.js';
import { RepetitionPenaltyProcessor } from './processors/repetition-penalty.js';
import { type SequenceBias, SequenceBiasProcessor } from './processors/sequence-bias.js';
import { SuppressTokensProcessor } from './processors/suppress-tokens.js';
import { TemperatureProcessor } from './processors/temperature.js';
import { TopKProcessor } from './processors/top-k.js';
import { TopPProcessor } from './processors/top-p.js';
import { TypicalPProcessor } from './processors/typical-p.js';
import {
  invalid,
  requireInteger,
  requireNumber,
  requireTokenId,
  requireTokenIds,
} from './validation.js';

/**
 * Hugging Face `generate()` keyword arguments / `generation_config.json` fields, with their
 * names. `null` means unset, as in a `generation_config.json`.
 */
export interface HuggingFaceGenerationOptions {
  /** Sample instead of greedy / beam search (default false). */
  do_sample?: boolean | null;
  /** Default 1 (no change); 0 with sampling → greedy. */
  temperature?: number | null;
  /** Default 50 (Hugging Face's default!); 0 disables top-k. */
  top_k?: number | null;
  /** Default 1 (disabled). */
  top_p?: number | null;
  /** Default unset (disabled). */
  min_p?: number | null;
  /** Default 1 (disabled). */
  typical_p?: number | null;
  /** Default 0 (disabled). */
  epsilon_cutoff?: number | null;
  /** Default 0 (disabled). */
  eta_cutoff?: number | null;
  /** Default 1 (no penalty). */
  repetition_penalty?: number | null;
  /** Default 0 (disabled). */
  no_repeat_ngram_size?: number | null;
  /** Sequences never generated. */
  bad_words_ids?: number[][] | null;
  /** `[[ids], bias]` pairs. */
  sequence_bias?: [number[], number][] | null;
  /** Ids never generated. */
  suppress_tokens?: number[] | null;
  /** Ids not generated first. */
  begin_suppress_tokens?: number[] | null;
  /** End-of-sequence held back until the total length (prompt included) reaches it; default 0. */
  min_length?: number | null;
  /** End-of-sequence held back until this many tokens were generated. */
  min_new_tokens?: number | null;
  /** Tokens to generate; takes precedence over `max_length`. */
  max_new_tokens?: number | null;
  /** Total length, prompt included (default 20 when neither is given). */
  max_length?: number | null;
  /** Default 1 (no beam search). */
  num_beams?: number | null;
  /** Default 1. */
  length_penalty?: number | null;
  /** Default false. */
  early_stopping?: boolean | 'never' | null;
  /** Default 1. */
  num_return_sequences?: number | null;
  /** End-of-sequence id(s). */
  eos_token_id?: number | number[] | null;
  /** Pad id (default: the first end-of-sequence id, as Hugging Face). */
  pad_token_id?: number | null;
  /** The id(s) forced as the last token at the length limit. */
  forced_eos_token_id?: number | number[] | null;
  /** Log-softmax after all processors. */
  renormalize_logits?: boolean | null;
  /** Accepted and unused (no effect on decoding here). */
  bos_token_id?: number | null;
  /** Anything else (see `fromHuggingFaceOptions` for what is accepted). */
  [name: string]: unknown;
}

/** Hugging Face's `GenerationConfig` defaults for the fields above. */
const defaults = {
  temperature: 1,
  top_k: 50,
  top_p: 1,
  typical_p: 1,
  epsilon_cutoff: 0,
  eta_cutoff: 0,
  repetition_penalty: 1,
  length_penalty: 1,
  num_beams: 1,
  num_return_sequences: 1,
  no_repeat_ngram_size: 0,
  min_length: 0,
  max_length: 20,
} as const;

const supported = new Set([
  'do_sample',
  'temperature',
  'top_k',
  'top_p',
  'min_p',
  'typical_p',
  'epsilon_cutoff',
  'eta_cutoff',
  'repetition_penalty',
  'no_repeat_ngram_size',
  'bad_words_ids',
  'sequence_bias',
  'suppress_tokens',
  'begin_suppress_tokens',
  'min_length',
  'min_new_tokens',
  'max_new_tokens',
  'max_length',
  'num_beams',
  'length_penalty',
  'early_stopping',
  'num_return_sequences',
  'eos_token_id',
  'pad_token_id',
  'forced_eos_token_id',
  'renormalize_logits',
]);

/** Fields with no effect on what is decoded here: accepted and ignored. */
const ignored = new Set([
  'bos_token_id',
  'decoder_start_token_id',
  'use_cache',
  'cache_implementation',
  'output_scores',
  'output_logits',
  'output_attentions',
  'output_hidden_states',
  'return_dict_in_generate',
  'transformers_version',
  '_from_model_config',
]);

/** Unsupported features, accepted only at their neutral value. */
const neutral: Record<string, readonly unknown[]> = {
  num_beam_groups: [1],
  diversity_penalty: [0],
  encoder_repetition_penalty: [1],
  encoder_no_repeat_ngram_size: [0],
  remove_invalid_values: [false],
  guidance_scale: [1],
};

/**
 * The {@link GenerateOptions} — processor chain and settings — that Hugging Face's
 * `model.generate(**options)` would use, so a Python call maps one to one:
 *
 * ```ts
 * // model.generate(input_ids, do_sample=True, max_length=50, top_p=0.92, top_k=0, pad_token_id=2)
 * const options = fromHuggingFaceOptions({ do_sample: true, max_length: 50, top_p: 0.92, top_k: 0, pad_token_id: 2 });
 * ```
 *
 * As Hugging Face: unset fields take `GenerationConfig`'s defaults — note `top_k` 50 (which is
 * why the model card passes `top_k=0`) and `max_length` 20 — and the chain is built in
 * `generate`'s order: sequence bias, repetition penalty, no-repeat-n-gram, bad words, min length,
 * min new tokens, forced EOS, suppressed tokens; then, only when sampling, the warpers
 * temperature, top-k, top-p, min-p, typical-p, epsilon, eta; then renormalization. Temperature,
 * top-k etc. are ignored without `do_sample` (as Hugging Face, which warns). `temperature: 0` with
 * `do_sample` means greedy.
 *
 * @param options `generate()` keyword arguments (snake_case, `null` = unset).
 * @param modelDefaults the model's `generation_config.json` (or `config.json`): its known fields
 *   are the defaults `options` override, as `generate` merges `model.generation_config` — pass it
 *   to get the model's `eos_token_id`. Unknown fields there are ignored.
 * @throws SamplerError `INVALID_ARGUMENT` for a value out of range or an option this package does
 *   not implement (e.g. `num_beam_groups > 1`, `penalty_alpha`, `stop_strings`).
 */
export function fromHuggingFaceOptions(
  options: HuggingFaceGenerationOptions = {},
  modelDefaults: Readonly<Record<string, unknown>> = {},
): GenerateOptions {
  if (typeof options !== 'object' || options === null) {
    invalid('fromHuggingFaceOptions needs an object of generate() options.');
  }
  const unsupported = Object.entries(options).filter(
    ([name, value]) =>
      value !== null &&
      value !== undefined &&
      !supported.has(name) &&
      !ignored.has(name) &&
      !(name in neutral && neutral[name].includes(value)),
  );
  if (unsupported.length > 0) {
    invalid(
      `Not supported by @bg-gpt2/sampler: ${unsupported.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ')}. ` +
        'Remove them, or build a ProcessorChain by hand.',
    );
  }
  const merged: Record<string, unknown> = {};
  for (const name of supported) {
    const value = options[name] ?? modelDefaults[name];
    if (value !== null && value !== undefined) merged[name] = value;
  }
  const value = <Name extends keyof typeof defaults>(name: Name): number =>
    (merged[name] as number | undefined) ?? defaults[name];

  const eosTokenIds =
    merged.eos_token_id === undefined ? [] : requireTokenIds('eos_token_id', merged.eos_token_id);
  const padTokenId =
    merged.pad_token_id === undefined
      ? eosTokenIds[0]
      : requireTokenId('pad_token_id', merged.pad_token_id);
  const numBeams = requireInteger('num_beams', value('num_beams'), 1);
  const temperature = requireNumber('temperature', value('temperature'), 0, Number.MAX_VALUE);
  const doSample = merged.do_sample === true && temperature !== 0;
  if (merged.do_sample !== undefined && typeof merged.do_sample !== 'boolean') {
    invalid(`do_sample must be true or false; got ${JSON.stringify(merged.do_sample)}.`);
  }
  const maxNewTokens =
    merged.max_new_tokens === undefined
      ? undefined
      : requireInteger('max_new_tokens', merged.max_new_tokens, 0);
  const maxLength =
    maxNewTokens === undefined ? requireInteger('max_length', value('max_length'), 0) : undefined;
  // Hugging Face keeps 2 tokens in the warpers for beam sampling (not supported: generate rejects it).
  const minTokensToKeep = numBeams > 1 ? 2 : 1;

  const processors: LogitsProcessor[] = [];
  if (merged.sequence_bias !== undefined) {
    processors.push(new SequenceBiasProcessor(merged.sequence_bias as SequenceBias[]));
  }
  const repetitionPenalty = value('repetition_penalty');
  if (repetitionPenalty !== 1) processors.push(new RepetitionPenaltyProcessor(repetitionPenalty));
  const noRepeatNGramSize = requireInteger(
    'no_repeat_ngram_size',
    value('no_repeat_ngram_size'),
    0,
  );
  if (noRepeatNGramSize > 0) processors.push(new NoRepeatNGramProcessor(noRepeatNGramSize));
  if (merged.bad_words_ids !== undefined) {
    processors.push(new BadWordsProcessor(merged.bad_words_ids as number[][], { eosTokenIds }));
  }
  const minLength = requireInteger('min_length', value('min_length'), 0);
  if (minLength > 0 && eosTokenIds.length > 0) {
    processors.push(new MinLengthProcessor(minLength, { eosTokenIds }));
  }
  if (merged.min_new_tokens !== undefined && eosTokenIds.length > 0) {
    const minNewTokens = requireInteger('min_new_tokens', merged.min_new_tokens, 0);
    if (minNewTokens > 0) processors.push(new MinNewTokensProcessor(minNewTokens, { eosTokenIds }));
  }
  if (merged.forced_eos_token_id !== undefined) {
    const forced = requireTokenIds('forced_eos_token_id', merged.forced_eos_token_id);
    processors.push(
      maxNewTokens === undefined
        ? new ForcedEosProcessor({
            eosTokenIds: forced,
            maxLength: Math.max(1, maxLength as number),
          })
        : new ForcedEosProcessor({ eosTokenIds: forced, maxNewTokens: Math.max(1, maxNewTokens) }),
    );
  }
  if (merged.suppress_tokens !== undefined) {
    processors.push(new SuppressTokensProcessor(merged.suppress_tokens as number[]));
  }
  if (merged.begin_suppress_tokens !== undefined) {
    processors.push(
      new SuppressTokensProcessor(merged.begin_suppress_tokens as number[], {
        firstStepOnly: true,
      }),
    );
  }
  if (doSample) {
    if (temperature !== 1) processors.push(new TemperatureProcessor(temperature));
    const topK = requireInteger('top_k', value('top_k'), 0);
    if (topK !== 0) processors.push(new TopKProcessor(topK, { minTokensToKeep }));
    const topP = requireNumber('top_p', value('top_p'), 0, 1);
    if (topP < 1) processors.push(new TopPProcessor(topP, { minTokensToKeep }));
    if (merged.min_p !== undefined) {
      processors.push(
        new MinPProcessor(requireNumber('min_p', merged.min_p, 0, 1), { minTokensToKeep }),
      );
    }
    const typicalP = requireNumber('typical_p', value('typical_p'), 0, 1, { excludeMinimum: true });
    if (typicalP < 1) processors.push(new TypicalPProcessor(typicalP, { minTokensToKeep }));
    const epsilon = requireNumber('epsilon_cutoff', value('epsilon_cutoff'), 0, 1);
    if (epsilon > 0 && epsilon < 1)
      processors.push(new EpsilonProcessor(epsilon, { minTokensToKeep }));
    const eta = requireNumber('eta_cutoff', value('eta_cutoff'), 0, 1);
    if (eta > 0 && eta < 1) processors.push(new EtaProcessor(eta, { minTokensToKeep }));
  }
  if (merged.renormalize_logits === true) processors.push(new LogSoftmaxProcessor());

  const earlyStopping = merged.early_stopping ?? false;
  if (earlyStopping !== true && earlyStopping !== false && earlyStopping !== 'never') {
    invalid(`early_stopping must be true, false or "never"; got ${JSON.stringify(earlyStopping)}.`);
  }
  return {
    processor: new ProcessorChain(processors),
    doSample,
    numBeams,
    lengthPenalty: requireNumber(
      'length_penalty',
      value('length_penalty'),
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
    ),
    earlyStopping,
    numReturnSequences: requireInteger('num_return_sequences', value('num_return_sequences'), 1),
    ...(maxNewTokens === undefined ? { maxLength } : { maxNewTokens }),
    ...(eosTokenIds.length === 0 ? {} : { eosTokenIds }),
    ...(padTokenId === undefined ? {} : { padTokenId }),
  };
}
