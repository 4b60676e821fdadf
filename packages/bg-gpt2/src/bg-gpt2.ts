import type { LoadModelOptions, Model } from '@bg-gpt2/runtime';
import {
  generate,
  generateStream,
  type LogitsProcessor,
  ProcessorChain,
  type FinishReason as SamplerFinishReason,
} from '@bg-gpt2/sampler';
import {
  type BgGpt2TextTokenizer,
  createBgGpt2Tokenizer,
  type SentencePieceTokenizer,
} from '@bg-gpt2/tokenizer';
import { type Completion, type CompletionOptions, completeText } from './completion.js';
import { ContinuationDecoder } from './continuation-decoder.js';
import { LanguageModelError } from './errors.js';
import { FirstTokenFilter } from './first-token-filter.js';
import {
  type GenerationOptions,
  type ResolvedGenerationOptions,
  resolveGenerationOptions,
} from './generation-options.js';
import { scoreIds, type TextScore } from './scoring.js';
import {
  type SpellingCorrection,
  type SpellingOptions,
  suggestSpelling,
} from './spelling/spell.js';
import { SpellingIndex } from './spelling/spelling-index.js';
import { cutAtStopString, StopStringFilter } from './stop-string-filter.js';
import { UnknownRowsFilter } from './unknown-rows-filter.js';
import { Vocabulary } from './vocabulary.js';

/** Why a generated text ended. */
export type FinishReason = SamplerFinishReason | 'stop-string';

/** One generated sequence of {@link BgGpt2.generateDetailed}. */
export interface GeneratedText {
  /** The new text (the prompt excluded). */
  text: string;
  /** The new token ids (an end-of-text id included when one ended the text). */
  ids: number[];
  finishReason: FinishReason;
  /** Beam search: Hugging Face's sequence score (sum of log-probs / length ** lengthPenalty). */
  score?: number;
}

/** What {@link BgGpt2.generateDetailed} returns: the first (best) sequence, and all of them. */
export interface GenerationOutput extends GeneratedText {
  /** The prompt's token ids, as the model read them. */
  promptIds: number[];
  /** Every sequence (`numReturnSequences`), best first for beam search. */
  sequences: GeneratedText[];
}

/** A token of a text with its id and piece. */
export interface Token {
  id: number;
  /** The SentencePiece piece (`▁` marks a word start). */
  piece: string;
}

/** Loads a model from a source (folder, URL or hub id): `loadModel` of `@bg-gpt2/runtime/node` or `/web`. */
export type ModelLoader = (source: string, options: LoadModelOptions) => Promise<Model>;

let registeredLoader: ModelLoader | undefined;

/** Picks the model for `BgGpt2.load()` without a source; a notice explains a stand-in. */
export type DefaultModelResolver = (
  options: LoadModelOptions,
) => Promise<{ source: string; notice?: string }>;

let registeredDefaultModel: DefaultModelResolver | undefined;

/**
 * Sets what `BgGpt2.load()` loads when no source is given. The Node entry point sets the
 * published model when cached or reachable, else the bundled demo model.
 */
export function setDefaultModelResolver(resolver: DefaultModelResolver | undefined): void {
  registeredDefaultModel = resolver;
}

/**
 * Sets the loader `BgGpt2.load` uses. The `bg-gpt2` entry points do it (Node: onnxruntime-node;
 * browsers: onnxruntime-web); call it to load through your own backend.
 */
export function setModelLoader(loader: ModelLoader): void {
  registeredLoader = loader;
}

/** Options of `BgGpt2.load`: the runtime's loading options (dtype, progress, cache, …). */
export interface BgGpt2LoadOptions extends LoadModelOptions {
  /** Load through this instead of the entry point's loader. */
  loader?: ModelLoader;
  /**
   * Receives a one-line notice when no source was given and the bundled demo model stands in for
   * the published one (default: `console.warn`).
   */
  onNotice?: (message: string) => void;
  /** Further options of the loader (e.g. `cacheDirectory` in Node). */
  [loaderOption: string]: unknown;
}

/** Options of {@link BgGpt2.fromModel}. */
export interface BgGpt2Options {
  /**
   * The tokenizer; default: made from the model folder's `spiece.model` and
   * `tokenizer_config.json` (the bg-gpt2 preset: ALBERT preprocessing, `<|n|>` newlines).
   */
  tokenizer?: BgGpt2TextTokenizer;
}

/** @internal A prompt made ready for the model. */
export interface PreparedPrompt {
  /** The prompt's own ids. */
  promptIds: number[];
  /** What the model reads first: the prompt's ids, or `<|endoftext|>` for an empty prompt. */
  contextIds: number[];
  /** The text of `contextIds` as decoding gives it back (the continuation starts after it). */
  promptText: string;
  /** The user typed a trailing space: drop the continuation's leading one. */
  dropLeadingSpace: boolean;
}

/**
 * The Bulgarian GPT-2 in one object: tokenizer + ONNX Runtime model + sampler.
 *
 * ```ts
 * import { BgGpt2 } from 'bg-gpt2';
 * const lm = await BgGpt2.load('rmihaylov/gpt2-small-theseus-bg');
 * console.log(await lm.generate('Здравей,', { doSample: true, topP: 0.92, topK: 0, maxLength: 50, seed: 1 }));
 * for await (const delta of lm.stream('България е')) process.stdout.write(delta);
 * ```
 *
 * Load it with `BgGpt2.load` (from `bg-gpt2` in Node or a browser), or wrap a model you loaded
 * with `@bg-gpt2/runtime` via {@link BgGpt2.fromModel}. Calls may overlap: each has its own KV
 * cache.
 */
export class BgGpt2 {
  /** The ONNX Runtime model. */
  readonly model: Model;
  /** The text tokenizer (the bg-gpt2 text convention over ALBERT over SentencePiece). */
  readonly tokenizer: BgGpt2TextTokenizer;
  /** The tokenizer's pieces as the model sees them. */
  readonly vocabulary: Vocabulary;
  #spellingIndex: SpellingIndex | undefined;

  /** Prefer {@link BgGpt2.fromModel} or `BgGpt2.load`. */
  constructor(model: Model, tokenizer: BgGpt2TextTokenizer, sentencePiece: SentencePieceTokenizer) {
    this.model = model;
    this.tokenizer = tokenizer;
    if (sentencePiece.vocabularySize > model.config.vocabularySize) {
      throw new LanguageModelError(
        'MODEL_MISMATCH',
        `The tokenizer has ${sentencePiece.vocabularySize} pieces but the model only ${model.config.vocabularySize} rows (vocab_size): they are not from the same model.`,
      );
    }
    this.vocabulary = new Vocabulary(sentencePiece, model.config.vocabularySize);
  }

  /**
   * Wraps a model loaded with `@bg-gpt2/runtime`; the tokenizer comes from the files loaded with
   * it unless given.
   *
   * @throws LanguageModelError `TOKENIZER_MISSING` when the model came without `spiece.model`.
   */
  static fromModel(model: Model, options: BgGpt2Options = {}): BgGpt2 {
    const tokenizer =
      options.tokenizer ??
      (() => {
        if (model.tokenizerModel === undefined) {
          throw new LanguageModelError(
            'TOKENIZER_MISSING',
            `The model ${model.source ?? ''} came without spiece.model; load it with its tokenizer files (the default) or pass { tokenizer }.`,
          );
        }
        return createBgGpt2Tokenizer({
          sentencePieceModel: model.tokenizerModel,
          tokenizerConfig: model.tokenizerConfig,
        });
      })();
    return new BgGpt2(model, tokenizer, sentencePieceOf(tokenizer));
  }

  /**
   * Loads a model — a local folder, an http(s) base URL or a hub id `owner/name[@revision]` —
   * with its tokenizer. A folder or repository holding only the PyTorch checkpoint is converted
   * to ONNX on first use and cached.
   *
   * Without a source (Node): the published `rmihaylov/gpt2-small-theseus-bg` when it is cached
   * or the hub is reachable, otherwise the bundled demo model (`@bg-gpt2/demo-model`) with a
   * notice; `offline: true` uses the cache and the demo model only.
   */
  static async load(source?: string, options: BgGpt2LoadOptions = {}): Promise<BgGpt2> {
    const { loader = registeredLoader, onNotice, ...loadOptions } = options;
    if (source === undefined) {
      if (registeredDefaultModel === undefined) {
        throw new LanguageModelError(
          'INVALID_ARGUMENT',
          'Give a model: a folder URL served with the page, or a hub id (there is no default model in this environment).',
        );
      }
      const chosen = await registeredDefaultModel(loadOptions as LoadModelOptions);
      if (chosen.notice !== undefined) (onNotice ?? console.warn)(chosen.notice);
      return BgGpt2.load(chosen.source, { ...options, onNotice });
    }
    if (loader === undefined) {
      throw new LanguageModelError(
        'INVALID_ARGUMENT',
        'No model loader: import BgGpt2 from "bg-gpt2" (Node or browser entry), or call setModelLoader().',
      );
    }
    const model = await loader(source, { ...loadOptions, tokenizer: true } as LoadModelOptions);
    try {
      return BgGpt2.fromModel(model);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Token ids of a text (the bg-gpt2 convention: line breaks become `<|n|>`). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  /** The text of token ids (`<|n|>` → line break, `<|endoftext|>` → blank lines). */
  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }

  /** The tokens of a text: ids and pieces. */
  tokenize(text: string): Token[] {
    return this.encode(text).map((id) => ({ id, piece: this.vocabulary.pieces[id] }));
  }

  /**
   * Generates a continuation of `prompt` and returns the new text (the prompt excluded).
   * See {@link GenerationOptions}; the model card's example is
   * `generate('Здравей,', { doSample: true, maxLength: 50, topP: 0.92, topK: 0, padTokenId: 2 })`.
   */
  async generate(prompt: string, options: GenerationOptions = {}): Promise<string> {
    return (await this.generateDetailed(prompt, options)).text;
  }

  /** {@link generate} with the ids, why it ended, and every sequence when several were asked. */
  async generateDetailed(
    prompt: string,
    options: GenerationOptions = {},
  ): Promise<GenerationOutput> {
    const resolved = resolveGenerationOptions(
      options,
      this.model.config.raw,
      this.vocabulary.endOfTextId,
    );
    const prepared = this.prepare(prompt);
    const { sampler } = resolved;
    if ((sampler.numBeams ?? 1) === 1 && (sampler.numReturnSequences ?? 1) === 1) {
      const ids: number[] = [];
      let text = '';
      const iterator = this.#streamTokens(prepared, resolved);
      let step = await iterator.next();
      while (!step.done) {
        ids.push(step.value.id);
        text += step.value.text;
        step = await iterator.next();
      }
      const sequence = { text, ids, finishReason: step.value };
      return { ...sequence, promptIds: prepared.promptIds, sequences: [sequence] };
    }
    const eos = new Set(endOfSequenceIds(sampler.eosTokenIds));
    sampler.processor = this.withConstraints(sampler.processor);
    const session = this.model.createSession({ slidingWindow: true });
    try {
      const result = await generate(session, prepared.contextIds, sampler);
      const sequences = result.sequences.map((sequence): GeneratedText => {
        const decoder = this.continuationDecoder(prepared);
        let text = '';
        for (const id of sequence.tokens) if (!eos.has(id)) text += decoder.push(id);
        text += decoder.flush();
        const cut = cutAtStopString(text, resolved.stop);
        return {
          text: cut.text,
          ids: sequence.tokens,
          finishReason: cut.stopped ? 'stop-string' : sequence.finishReason,
          ...(sequence.score === undefined ? {} : { score: sequence.score }),
        };
      });
      return { ...sequences[0], promptIds: prepared.promptIds, sequences };
    } finally {
      await session.dispose();
    }
  }

  /**
   * Streams the continuation of `prompt` as text deltas: a character split across tokens comes
   * out whole, text that could begin a stop string is held back, `<|n|>` comes out as a line
   * break and `<|endoftext|>` ends the text. Breaking out of the loop or aborting `signal` stops
   * generation. One sequence (greedy or sampling; use `generateDetailed` for beam search).
   */
  async *stream(prompt: string, options: GenerationOptions = {}): AsyncGenerator<string> {
    const resolved = resolveGenerationOptions(
      options,
      this.model.config.raw,
      this.vocabulary.endOfTextId,
    );
    const iterator = this.#streamTokens(this.prepare(prompt), resolved);
    try {
      for await (const { text } of iterator) if (text.length > 0) yield text;
    } finally {
      await iterator.return?.(undefined as never);
    }
  }

  /**
   * Short alternative continuations of `text` for auto-complete: up to `n`, best first, each
   * ending on a word boundary. When `text` ends inside a word the first suggestion words finish
   * it (the last token is taken back and re-chosen: token healing); after a typed space they
   * start a new word.
   */
  async complete(text: string, options: CompletionOptions = {}): Promise<Completion[]> {
    return completeText(this, text, options);
  }

  /**
   * Per-token log-probabilities of `text` under the model, their total and the perplexity.
   * The first token has no context, so its log-probability is `null`. Texts longer than the
   * model's context are scored in overlapping windows (each token with at least half a window
   * of context).
   */
  async score(text: string): Promise<TextScore> {
    if (typeof text !== 'string') {
      throw new LanguageModelError('INVALID_ARGUMENT', 'score() needs a text (a string).');
    }
    return scoreIds(this.model, this.encode(text), this.vocabulary);
  }

  /**
   * Spelling corrections: for each word, candidates from the model's own vocabulary within a
   * small edit distance, re-ranked by the model's log-probability of the whole sentence; a
   * change is proposed only when it beats the original by `margin` (nats).
   */
  async spell(text: string, options: SpellingOptions = {}): Promise<SpellingCorrection[]> {
    this.#spellingIndex ??= SpellingIndex.fromVocabulary(this.vocabulary);
    return suggestSpelling(this, this.#spellingIndex, text, options);
  }

  /** Releases the model. */
  async dispose(): Promise<void> {
    await this.model.dispose();
  }

  /** @internal The prompt's ids and what the model reads. */
  prepare(prompt: string, contextTokens?: number): PreparedPrompt {
    if (typeof prompt !== 'string') {
      throw new LanguageModelError('INVALID_ARGUMENT', 'The prompt must be a string.');
    }
    const promptIds = this.encode(prompt);
    let contextIds = promptIds;
    if (contextTokens !== undefined && contextIds.length > contextTokens) {
      contextIds = contextIds.slice(contextIds.length - contextTokens);
    }
    if (contextIds.length === 0) {
      const start = this.vocabulary.endOfTextId ?? this.model.config.endOfTextTokenId;
      if (start === undefined) {
        throw new LanguageModelError(
          'INVALID_ARGUMENT',
          'The prompt is empty and the model has no <|endoftext|> to start from; give a prompt.',
        );
      }
      contextIds = [start];
    }
    return {
      promptIds,
      contextIds,
      promptText: this.decode(contextIds),
      dropLeadingSpace: /[^\S\n]$/u.test(prompt),
    };
  }

  /**
   * @internal A decoder of the continuation after `prepared`; `healed` of the context's last
   * tokens were taken back and are re-generated (their text is skipped).
   */
  continuationDecoder(prepared: PreparedPrompt, healed = 0): ContinuationDecoder {
    const context = prepared.contextIds.slice(0, prepared.contextIds.length - healed);
    return new ContinuationDecoder(
      this.tokenizer,
      context,
      prepared.promptText,
      prepared.dropLeadingSpace,
    );
  }

  /**
   * @internal The processors the facade puts before the user's: the first-token constraint, and
   * the removal of model rows the tokenizer cannot decode.
   */
  withConstraints(
    processor: LogitsProcessor | undefined,
    firstToken?: Uint8Array,
  ): LogitsProcessor | undefined {
    const before: LogitsProcessor[] = [];
    const pieceCount = this.vocabulary.sentencePiece.vocabularySize;
    if (pieceCount < this.vocabulary.size) before.push(new UnknownRowsFilter(pieceCount));
    if (firstToken !== undefined) before.push(new FirstTokenFilter(firstToken));
    if (before.length === 0) return processor;
    return new ProcessorChain(processor === undefined ? before : [...before, processor]);
  }

  /** Generated ids with their text deltas; returns why generation ended. */
  async *#streamTokens(
    prepared: PreparedPrompt,
    resolved: ResolvedGenerationOptions,
  ): AsyncGenerator<{ id: number; text: string }, FinishReason> {
    const { sampler } = resolved;
    // After a typed space the text goes on with a new word.
    sampler.processor = this.withConstraints(
      sampler.processor,
      prepared.dropLeadingSpace ? this.vocabulary.wordStarts() : undefined,
    );
    const eos = new Set(endOfSequenceIds(sampler.eosTokenIds));
    const decoder = this.continuationDecoder(prepared);
    const stops = new StopStringFilter(resolved.stop);
    const session = this.model.createSession({ slidingWindow: true });
    const tokens = generateStream(session, prepared.contextIds, sampler);
    try {
      let step = await tokens.next();
      while (!step.done) {
        const id = step.value;
        const text = eos.has(id) ? '' : stops.push(decoder.push(id));
        yield { id, text };
        if (stops.stopped) return 'stop-string';
        step = await tokens.next();
      }
      const rest = stops.push(decoder.flush()) + stops.flush();
      if (rest.length > 0) yield { id: -1, text: rest };
      return stops.stopped ? 'stop-string' : step.value.finishReason;
    } finally {
      await tokens.return(undefined as never);
      await session.dispose();
    }
  }
}

function endOfSequenceIds(ids: number | readonly number[] | undefined): number[] {
  if (ids === undefined) return [];
  return typeof ids === 'number' ? [ids] : [...ids];
}

/** The SentencePiece model under the bg-gpt2 preset (text convention → ALBERT → SentencePiece). */
function sentencePieceOf(tokenizer: BgGpt2TextTokenizer): SentencePieceTokenizer {
  let layer: unknown = tokenizer;
  for (let depth = 0; depth < 4 && layer !== undefined; depth++) {
    const candidate = layer as { sentencePiece?: SentencePieceTokenizer; inner?: unknown };
    if (candidate.sentencePiece !== undefined) return candidate.sentencePiece;
    if ('idToPiece' in (layer as object)) return layer as SentencePieceTokenizer;
    layer = candidate.inner;
  }
  throw new LanguageModelError(
    'TOKENIZER_MISSING',
    'The tokenizer does not expose its SentencePiece model (inner.sentencePiece); build it with createBgGpt2Tokenizer.',
  );
}
