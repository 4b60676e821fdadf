import type { LogitsProcessor } from '../logits-processor.js';
import { createRandom, type Random } from '../random.js';
import {
  invalid,
  requireInteger,
  requireNumber,
  requireTokenId,
  requireTokenIds,
  requireTokenSequences,
} from '../validation.js';
import type { GenerateOptions } from './generate-options.js';
import type { StepModel } from './step-model.js';

/** {@link GenerateOptions} checked and completed for one prompt. */
export interface ResolvedOptions {
  mode: 'greedy' | 'sample' | 'beam';
  processor: LogitsProcessor | undefined;
  random: Random | undefined;
  numBeams: number;
  lengthPenalty: number;
  earlyStopping: boolean | 'never';
  numReturnSequences: number;
  /** Tokens that may be generated (`Infinity`: no limit). */
  maxNewTokens: number;
  eosTokenIds: number[];
  padTokenId: number | undefined;
  stopSequences: number[][];
  /** `undefined`: no logprobs; otherwise the number of alternatives. */
  logprobs: number | undefined;
  signal: AbortSignal | undefined;
  vocabularySize: number;
}

/** Checks `options` against the model and prompt; throws `INVALID_ARGUMENT` saying what to fix. */
export function resolveOptions(
  model: StepModel,
  prompt: readonly number[],
  options: GenerateOptions,
): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    invalid('generate() needs options, at least { maxNewTokens } (or { maxLength }).');
  }
  if (
    typeof model !== 'object' ||
    model === null ||
    typeof model.prefill !== 'function' ||
    typeof model.step !== 'function'
  ) {
    invalid('The model must provide prefill(ids), step(tokens) and vocabularySize (a StepModel).');
  }
  const vocabularySize = requireInteger('model.vocabularySize', model.vocabularySize, 1);
  if (!Array.isArray(prompt) || prompt.length === 0) {
    invalid(
      'The prompt must be a non-empty array of token ids (start with the end-of-text id to generate from nothing).',
    );
  }
  prompt.forEach((id, index) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabularySize) {
      invalid(
        `Prompt token ${index} (${String(id)}) is not an id of this model (0 … ${vocabularySize - 1}).`,
      );
    }
  });

  const numBeams = requireInteger('numBeams', options.numBeams ?? 1, 1);
  const doSample = options.doSample ?? false;
  if (typeof doSample !== 'boolean')
    invalid(`doSample must be true or false; got ${String(doSample)}.`);
  if (numBeams > 1 && doSample) {
    invalid(
      'Beam sampling (doSample with numBeams > 1) is not supported: use numBeams 1 to sample, or doSample false for beam search.',
    );
  }
  const mode = numBeams > 1 ? 'beam' : doSample ? 'sample' : 'greedy';
  const numReturnSequences = requireInteger(
    'numReturnSequences',
    options.numReturnSequences ?? 1,
    1,
  );
  if (mode === 'greedy' && numReturnSequences > 1) {
    invalid(
      'Greedy decoding returns one sequence: set numReturnSequences to 1, or use doSample or numBeams.',
    );
  }
  if (mode === 'beam' && numReturnSequences > numBeams) {
    invalid(`numReturnSequences (${numReturnSequences}) cannot exceed numBeams (${numBeams}).`);
  }

  let maxNewTokens: number;
  if (options.maxNewTokens !== undefined) {
    maxNewTokens =
      options.maxNewTokens === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : requireInteger('maxNewTokens', options.maxNewTokens, 0);
  } else if (options.maxLength !== undefined) {
    maxNewTokens =
      options.maxLength === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : Math.max(0, requireInteger('maxLength', options.maxLength, 0) - prompt.length);
  } else {
    invalid(
      'Set maxNewTokens (tokens to generate) or maxLength (prompt included); Infinity means no limit.',
    );
  }
  if (mode === 'beam' && maxNewTokens === Number.POSITIVE_INFINITY) {
    invalid('Beam search needs a finite maxNewTokens or maxLength.');
  }

  if (options.random !== undefined && options.seed !== undefined) {
    invalid('Pass either seed or random, not both.');
  }
  if (options.random !== undefined && typeof options.random?.next !== 'function') {
    invalid(
      'random must have a next() method returning a number in [0, 1) (e.g. createRandom(seed)).',
    );
  }
  let random: Random | undefined;
  if (mode === 'sample') {
    random =
      options.random ??
      createRandom(options.seed ?? Math.floor(Math.random() * Number.MAX_SAFE_INTEGER));
  } else if (options.seed !== undefined) {
    requireInteger('seed', options.seed, 0);
  }

  const eosTokenIds =
    options.eosTokenIds === undefined
      ? []
      : requireTokenIds('eosTokenIds', options.eosTokenIds, true);
  const padTokenId =
    options.padTokenId === undefined
      ? eosTokenIds[0]
      : requireTokenId('padTokenId', options.padTokenId);
  for (const [name, id] of [
    ...eosTokenIds.map((id) => ['eosTokenIds', id] as const),
    ['padTokenId', padTokenId] as const,
  ]) {
    if (id !== undefined && id >= vocabularySize) {
      invalid(`${name} ${id} is outside the model's vocabulary (0 … ${vocabularySize - 1}).`);
    }
  }
  const processor = options.processor;
  if (processor !== undefined && typeof processor?.process !== 'function') {
    invalid(
      'processor must have a process(logits, context) method (a LogitsProcessor or ProcessorChain).',
    );
  }
  const logprobs =
    options.logprobs === undefined || options.logprobs === false
      ? undefined
      : options.logprobs === true
        ? 0
        : requireInteger('logprobs', options.logprobs, 0, vocabularySize);
  const signal = options.signal;
  if (signal !== undefined && typeof signal?.aborted !== 'boolean') {
    invalid('signal must be an AbortSignal.');
  }

  return {
    mode,
    processor,
    random,
    numBeams,
    lengthPenalty: requireNumber(
      'lengthPenalty',
      options.lengthPenalty ?? 1,
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
    ),
    earlyStopping: readEarlyStopping(options.earlyStopping),
    numReturnSequences,
    maxNewTokens,
    eosTokenIds,
    padTokenId,
    stopSequences:
      options.stopSequences === undefined
        ? []
        : requireTokenSequences('stopSequences', options.stopSequences),
    logprobs,
    signal,
    vocabularySize,
  };
}

function readEarlyStopping(value: unknown): boolean | 'never' {
  if (value === undefined) return false;
  if (value === true || value === false || value === 'never') return value;
  return invalid(`earlyStopping must be true, false or 'never'; got ${JSON.stringify(value)}.`);
}
