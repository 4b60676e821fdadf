import type { Model } from '@bg-gpt2/runtime';
import {
  type FinishReason,
  generateStream,
  type LogitsProcessor,
  ProcessorChain,
  TemperatureProcessor,
  TopKProcessor,
  TopPProcessor,
} from '@bg-gpt2/sampler';
import {
  AlbertTokenizer,
  albertOptionsFromConfig,
  BgGpt2TextTokenizer,
  SentencePieceTokenizer,
} from '@bg-gpt2/tokenizer';
import {
  ContinuationDecoder,
  FirstTokenFilter,
  LanguageModelError,
  planContinuationStart,
  StopStringFilter,
  UnknownRowsFilter,
  Vocabulary,
} from 'bg-gpt2/core';
import type { SuggestionSettings } from './worker-protocol.js';

/**
 * The model with what a suggestion needs: its tokenizer (the bg-gpt2 preset) and vocabulary.
 * Built from `bg-gpt2`'s parts rather than its `BgGpt2` class so that the worker carries only
 * streaming (no beam search, scoring or spelling): a smaller download.
 */
export interface SuggestionModel {
  model: Model;
  tokenizer: BgGpt2TextTokenizer;
  vocabulary: Vocabulary;
  /** Ids that end a suggestion: the model's end of sequence, `<|endoftext|>`, `<|n|>`. */
  endIds: number[];
}

/** Makes a {@link SuggestionModel} of a model loaded with its tokenizer files. */
export function createSuggestionModel(model: Model): SuggestionModel {
  if (model.tokenizerModel === undefined) {
    throw new LanguageModelError(
      'TOKENIZER_MISSING',
      `The model ${model.source ?? ''} came without spiece.model; serve it beside config.json.`,
    );
  }
  const sentencePiece = SentencePieceTokenizer.fromBytes(model.tokenizerModel);
  const tokenizer = new BgGpt2TextTokenizer(
    new AlbertTokenizer(sentencePiece, albertOptionsFromConfig(model.tokenizerConfig ?? {})),
  );
  if (sentencePiece.vocabularySize > model.config.vocabularySize) {
    throw new LanguageModelError(
      'MODEL_MISMATCH',
      `The tokenizer has ${sentencePiece.vocabularySize} pieces but the model only ${model.config.vocabularySize} rows: they are not from the same model.`,
    );
  }
  const vocabulary = new Vocabulary(sentencePiece, model.config.vocabularySize);
  const configured = model.config.raw.eos_token_id;
  const endIds = new Set<number>(
    Array.isArray(configured)
      ? (configured as number[])
      : typeof configured === 'number'
        ? [configured]
        : [],
  );
  if (vocabulary.endOfTextId !== undefined) endIds.add(vocabulary.endOfTextId);
  if (vocabulary.newlineId !== undefined) endIds.add(vocabulary.newlineId);
  return { model, tokenizer, vocabulary, endIds: [...endIds] };
}

/** How a suggestion ended, and its length in tokens. */
export interface SuggestionEnd {
  /** `length`: it ran out of tokens (its last word may be cut); else it ended on its own. */
  finishReason: FinishReason | 'stop-string';
  tokens: number;
}

/** The last this many tokens of the text are read (as `lm.complete` reads): latency stays flat. */
const contextTokens = 128;
/**
 * Streams the continuation of `text` (the text before the caret) as text deltas, for ghost text:
 * greedy or sampled, one line at most. This is `lm.stream` of `bg-gpt2` with `lm.complete`'s
 * first-token rules: after a typed space the continuation starts a new word; when the text ends
 * inside a word, that word's tokens are taken back and the model spells it out again however it
 * likes, then goes on (token healing), so that "Здрав" is completed with "ей" rather than after
 * the pieces "▁З|д|рав".
 *
 * @param afterToken awaited after each token: the worker yields to its event loop there, so that
 *   a cancel message is read while tokens are being generated.
 */
export async function* streamSuggestion(
  suggestionModel: SuggestionModel,
  text: string,
  settings: SuggestionSettings,
  signal?: AbortSignal,
  afterToken?: () => Promise<void>,
): AsyncGenerator<string, SuggestionEnd> {
  const { model, tokenizer, vocabulary, endIds } = suggestionModel;
  const promptIds = tokenizer.encode(text);
  let contextIds = promptIds.slice(Math.max(0, promptIds.length - contextTokens));
  if (contextIds.length === 0) {
    const start = vocabulary.endOfTextId ?? model.config.endOfTextTokenId;
    if (start === undefined) return { finishReason: 'length', tokens: 0 };
    contextIds = [start];
  }
  const promptText = tokenizer.decode(contextIds);
  const dropLeadingSpace = /[^\S\n]$/u.test(text);

  const { healed, firstToken, prefix } = planContinuationStart(vocabulary, text, contextIds, {
    dropLeadingSpace,
  });
  const context = contextIds.slice(0, contextIds.length - healed);

  const processors: LogitsProcessor[] = [];
  const pieceCount = vocabulary.sentencePiece.vocabularySize;
  if (pieceCount < vocabulary.size) processors.push(new UnknownRowsFilter(pieceCount));
  if (firstToken !== undefined) processors.push(new FirstTokenFilter(firstToken));
  if (prefix !== undefined) processors.push(prefix);
  const sampling = settings.temperature > 0;
  if (sampling) {
    // Hugging Face's order of the warpers.
    if (settings.temperature !== 1) processors.push(new TemperatureProcessor(settings.temperature));
    if (settings.topK > 0) processors.push(new TopKProcessor(settings.topK));
    if (settings.topP < 1) processors.push(new TopPProcessor(settings.topP));
  }

  const decoder = new ContinuationDecoder(tokenizer, context, promptText, dropLeadingSpace);
  const stops = new StopStringFilter(['\n']);
  const ends = new Set(endIds);
  const session = model.createSession({ slidingWindow: true });
  const tokens = generateStream(session, context, {
    ...(processors.length === 0 ? {} : { processor: new ProcessorChain(processors) }),
    doSample: sampling,
    maxNewTokens: settings.maxNewTokens + healed,
    eosTokenIds: endIds,
    ...(signal === undefined ? {} : { signal }),
  });
  let count = 0;
  try {
    let step = await tokens.next();
    while (!step.done) {
      count++;
      const delta = ends.has(step.value) ? '' : stops.push(decoder.push(step.value));
      if (delta.length > 0) yield delta;
      if (stops.stopped) return { finishReason: 'stop-string', tokens: count };
      await afterToken?.();
      step = await tokens.next();
    }
    const rest = stops.push(decoder.flush()) + stops.flush();
    if (rest.length > 0) yield rest;
    return {
      finishReason: stops.stopped ? 'stop-string' : step.value.finishReason,
      tokens: count,
    };
  } finally {
    await tokens.return(undefined as never);
    await session.dispose();
  }
}

/** Whether the text ends with a letter, digit or mark (a word being typed). */
