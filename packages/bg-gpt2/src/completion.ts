import { generate } from '@bg-gpt2/sampler';
import type { BgGpt2 } from './bg-gpt2.js';
import { LanguageModelError } from './errors.js';
import { cutAtStopString } from './stop-string-filter.js';
import { planContinuationStart } from './token-healing.js';
import { cutToWords } from './word-boundary.js';

/** Options of `lm.complete`. */
export interface CompletionOptions {
  /** Alternatives to return at most (default 3). */
  n?: number;
  /** Words per alternative at most (default 3). */
  maxWords?: number;
  /** Beams searched (default max(n, 4)); more finds more alternatives, slower. */
  numBeams?: number;
  /** Tokens generated per alternative at most (default 3 × maxWords + 2). */
  maxNewTokens?: number;
  /** Only the last this many tokens of the text are read (default 128): latency stays flat. */
  contextTokens?: number;
  /**
   * Take back the text's last token and let the model re-choose it, constrained to extend it
   * (default true): "Здрав" completes as "ей", which the tokenization "▁Здрав" alone would hide.
   */
  tokenHealing?: boolean;
  /** Cancels the completion. */
  signal?: AbortSignal;
}

/** One auto-complete suggestion. */
export interface Completion {
  /** The text to insert after the caret. */
  text: string;
  /** Hugging Face's beam score: mean log-probability per generated token (higher is better). */
  score: number;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) {
    throw new LanguageModelError(
      'INVALID_ARGUMENT',
      `${name} must be a positive integer; got ${String(value)}.`,
    );
  }
  return result;
}

/** @internal `lm.complete`: beam search, each beam cut to whole words, duplicates dropped. */
export async function completeText(
  lm: BgGpt2,
  text: string,
  options: CompletionOptions,
): Promise<Completion[]> {
  const n = positiveInteger('n', options.n, 3);
  const maxWords = positiveInteger('maxWords', options.maxWords, 3);
  const numBeams = positiveInteger('numBeams', options.numBeams, Math.max(n, 4));
  const maxNewTokens = positiveInteger('maxNewTokens', options.maxNewTokens, 3 * maxWords + 2);
  const contextTokens = positiveInteger('contextTokens', options.contextTokens, 128);
  const prepared = lm.prepare(text, contextTokens);
  const { vocabulary } = lm;

  const { healed, firstToken, prefix } = planContinuationStart(
    vocabulary,
    text,
    prepared.contextIds,
    { dropLeadingSpace: prepared.dropLeadingSpace, tokenHealing: options.tokenHealing ?? true },
  );
  const contextIds = prepared.contextIds.slice(0, prepared.contextIds.length - healed);
  const endOfText = vocabulary.endOfTextId;
  const eos = [endOfText, vocabulary.newlineId].filter((id): id is number => id !== undefined);

  const session = lm.model.createSession({ slidingWindow: true });
  try {
    const result = await generate(session, contextIds, {
      processor: lm.withConstraints(prefix, firstToken),
      numBeams,
      numReturnSequences: numBeams,
      maxNewTokens: maxNewTokens + healed,
      eosTokenIds: eos,
      earlyStopping: true,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const seen = new Set<string>();
    const completions: Completion[] = [];
    for (const sequence of result.sequences) {
      const decoder = lm.continuationDecoder(prepared, healed);
      let continuation = '';
      for (const id of sequence.tokens) if (!eos.includes(id)) continuation += decoder.push(id);
      continuation += decoder.flush();
      const line = cutAtStopString(continuation, ['\n']);
      const ended = sequence.finishReason === 'eos' || line.stopped;
      const cut = cutToWords(line.text, maxWords, ended).trimEnd();
      // "от данни." adds nothing to "от данни": compare without trailing punctuation.
      const key = cut.replace(/[\p{P}\s]+$/u, '');
      if (key.trim().length === 0 || seen.has(key)) continue;
      seen.add(key);
      completions.push({ text: cut, score: sequence.score ?? 0 });
      if (completions.length === n) break;
    }
    return completions;
  } finally {
    await session.dispose();
  }
}
