import { logSumExp } from '@bg-gpt2/sampler';
import type { BgGpt2 } from '../bg-gpt2.js';
import { LanguageModelError } from '../errors.js';
import { matchCase } from './case-pattern.js';
import type { SpellingIndex } from './spelling-index.js';

/** Options of `lm.spell`. */
export interface SpellingOptions {
  /**
   * How much more likely (natural log of the ratio of the sentence's probabilities) a
   * correction must make the sentence to be proposed (default 3: ~20 times more likely).
   * Higher: fewer false alarms, fewer corrections.
   */
  margin?: number;
  /** Candidates per word, the most common first (default 8). */
  candidatesPerWord?: number;
  /** Largest edit distance of a candidate (1 or 2; default 1, 2 for words of 8+ letters). */
  maxDistance?: 1 | 2;
  /** Suggestions per flagged word at most (default 3). */
  maxSuggestions?: number;
  /** Cancels the check between model calls. */
  signal?: AbortSignal;
}

/** A replacement for a flagged word. */
export interface SpellingSuggestion {
  /** The replacement text. */
  text: string;
  /** How much more likely the sentence is with it, in nats (log of the probability ratio). */
  gain: number;
}

/** A word the model thinks is misspelled, with replacements, best first. */
export interface SpellingCorrection {
  /** UTF-16 offset of the word in the text. */
  start: number;
  /** UTF-16 offset just after the word. */
  end: number;
  /** The word as written. */
  word: string;
  suggestions: SpellingSuggestion[];
}

/** A word of the text and where it is. */
interface WordSpan {
  word: string;
  start: number;
  end: number;
}

/** Floats of logits read at once (rows × positions × vocabulary): about 64 MB. */
const logitsBudget = 16 * 1024 * 1024;

const sentencePattern = /[^.!?…\n]+[.!?…]*\n*/gu;
const wordPattern = /[\p{L}\p{M}]+/gu;

/** @internal `lm.spell`. */
export async function suggestSpelling(
  lm: BgGpt2,
  index: SpellingIndex,
  text: string,
  options: SpellingOptions,
): Promise<SpellingCorrection[]> {
  if (typeof text !== 'string') {
    throw new LanguageModelError('INVALID_ARGUMENT', 'spell() needs a text (a string).');
  }
  const margin = options.margin ?? 3;
  const perWord = options.candidatesPerWord ?? 8;
  const maxSuggestions = options.maxSuggestions ?? 3;
  const corrections: SpellingCorrection[] = [];
  for (const sentence of text.matchAll(sentencePattern)) {
    const offset = sentence.index ?? 0;
    const words: WordSpan[] = [...sentence[0].matchAll(wordPattern)].map((match) => ({
      word: match[0],
      start: offset + (match.index ?? 0),
      end: offset + (match.index ?? 0) + match[0].length,
    }));
    // Variants of the sentence: the original, then each word replaced by each candidate.
    const variants: { span?: WordSpan; replacement?: string; text: string }[] = [
      { text: sentence[0] },
    ];
    for (const span of words) {
      if (span.word.length < 2) continue;
      const lower = span.word.toLocaleLowerCase('bg');
      const distance = options.maxDistance ?? (lower.length >= 8 ? 2 : 1);
      const candidates = index
        .lookup(lower, distance)
        .filter((candidate) => candidate.word !== lower)
        .slice(0, perWord);
      for (const candidate of candidates) {
        const replacement = matchCase(span.word, candidate.word);
        variants.push({
          span,
          replacement,
          text:
            sentence[0].slice(0, span.start - offset) +
            replacement +
            sentence[0].slice(span.end - offset),
        });
      }
    }
    if (variants.length === 1) continue;
    const scores = await scoreTexts(
      lm,
      variants.map((variant) => variant.text),
      options.signal,
    );
    const byWord = new Map<WordSpan, SpellingSuggestion[]>();
    variants.forEach((variant, position) => {
      if (variant.span === undefined || variant.replacement === undefined) return;
      const gain = scores[position] - scores[0];
      if (gain <= margin) return;
      const list = byWord.get(variant.span) ?? [];
      list.push({ text: variant.replacement, gain });
      byWord.set(variant.span, list);
    });
    for (const [span, suggestions] of byWord) {
      suggestions.sort((left, right) => right.gain - left.gain);
      corrections.push({
        start: span.start,
        end: span.end,
        word: span.word,
        suggestions: suggestions.slice(0, maxSuggestions),
      });
    }
  }
  return corrections.sort((left, right) => left.start - right.start);
}

/**
 * Total log-probability of each text after `<|endoftext|>` (so the first word is scored too),
 * in batches whose logits stay within {@link logitsBudget}.
 */
async function scoreTexts(
  lm: BgGpt2,
  texts: readonly string[],
  signal: AbortSignal | undefined,
): Promise<number[]> {
  const start = lm.vocabulary.endOfTextId;
  const contextLength = lm.model.config.contextLength;
  const rows = texts.map((text) => {
    const ids = lm.encode(text);
    const withStart = start === undefined ? ids : [start, ...ids];
    return withStart.slice(Math.max(0, withStart.length - contextLength));
  });
  const vocabularySize = lm.model.config.vocabularySize;
  const width = Math.max(...rows.map((row) => row.length));
  const batchSize = Math.max(1, Math.floor(logitsBudget / (width * vocabularySize)));
  const totals: number[] = [];
  const session = lm.model.createSession();
  try {
    for (let first = 0; first < rows.length; first += batchSize) {
      if (signal?.aborted) {
        throw new LanguageModelError('ABORTED', 'The spelling check was aborted.', {
          cause: signal.reason,
        });
      }
      const batch = rows.slice(first, first + batchSize);
      const batchWidth = Math.max(...batch.map((row) => row.length));
      const logits = await session.logitsAll(batch);
      batch.forEach((row, rowIndex) => {
        const padding = batchWidth - row.length;
        let total = 0;
        for (let position = 1; position < row.length; position++) {
          const offset = (rowIndex * batchWidth + padding + position - 1) * vocabularySize;
          const logitsRow = logits.subarray(offset, offset + vocabularySize);
          total += logitsRow[row[position]] - logSumExp(logitsRow);
        }
        totals.push(total);
      });
    }
  } finally {
    await session.dispose();
  }
  return totals;
}
