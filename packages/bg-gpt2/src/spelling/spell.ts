import type { DecoderSession } from '@bg-gpt2/runtime';
import { logSumExp } from '@bg-gpt2/sampler';
import type { BgGpt2 } from '../bg-gpt2.js';
import { LanguageModelError } from '../errors.js';
import { CandidateGenerator } from './candidate-generator.js';
import { matchCase } from './case-pattern.js';
import { SegmentationPrior } from './segmentation-prior.js';
import type { SpellingIndex } from './spelling-index.js';
import { TypingErrorModel } from './typing-errors.js';

/** Options of `lm.spell`. */
export interface SpellingOptions {
  /**
   * How much more likely (natural log of the ratio of probabilities) a correction must make the
   * sentence, after the cost of the typing error it assumes, to be proposed (default 8: ~3 000
   * times). Higher: fewer false alarms, fewer corrections.
   */
  margin?: number;
  /** Candidates per word scored by the model, the likeliest first (default 4). */
  candidatesPerWord?: number;
  /**
   * Largest edit distance of a whole-word candidate from the vocabulary (1 or 2; default 1, 2
   * for words of 8+ letters). Candidates outside the vocabulary are always one edit away.
   */
  maxDistance?: 1 | 2;
  /** Suggestions per flagged word at most (default 3). */
  maxSuggestions?: number;
  /**
   * Only words the model finds at least this surprising in context — the negative
   * log-probability of their tokens, in nats — get candidates (default 10); the others are taken
   * as written. Lower: more words checked, slower, a few more false alarms.
   */
  minimumSurprisal?: number;
  /** Cancels the check between model calls. */
  signal?: AbortSignal;
}

/** A replacement for a flagged word. */
export interface SpellingSuggestion {
  /** The replacement text. */
  text: string;
  /**
   * How much more likely the sentence is with it, in nats (log of the probability ratio), less
   * the cost of the typing error it assumes: what is compared with the margin.
   */
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

/** A sentence with one word replaced. */
interface Variant {
  span: WordSpan;
  replacement: string;
  typingCost: number;
  text: string;
}

/** Floats of logits read at once (rows × positions × vocabulary): about 64 MB. */
const logitsBudget = 16 * 1024 * 1024;

const sentencePattern = /[^.!?…\n]+[.!?…]*\n*/gu;
const wordPattern = /[\p{L}\p{M}]+/gu;

/** Candidate generators, one per index (so one per model), made on first use. */
const generators = new WeakMap<SpellingIndex, CandidateGenerator>();

function generatorFor(lm: BgGpt2, index: SpellingIndex): CandidateGenerator {
  let generator = generators.get(index);
  if (generator === undefined) {
    generator = new CandidateGenerator(
      index,
      new SegmentationPrior(lm.vocabulary.sentencePiece),
      new TypingErrorModel(),
    );
    generators.set(index, generator);
  }
  return generator;
}

/**
 * @internal `lm.spell`: for each sentence, the model scores it once; each word it finds
 * surprising gets candidate corrections (whole-word pieces and one-edit strings, ranked by their
 * segmentation prior and typing-error cost); the sentence is scored with each candidate in place,
 * and a candidate whose gain — the log-probability gained, less its typing-error cost — beats the
 * margin is proposed.
 */
export async function suggestSpelling(
  lm: BgGpt2,
  index: SpellingIndex,
  text: string,
  options: SpellingOptions,
): Promise<SpellingCorrection[]> {
  if (typeof text !== 'string') {
    throw new LanguageModelError('INVALID_ARGUMENT', 'spell() needs a text (a string).');
  }
  const margin = options.margin ?? 8;
  const perWord = options.candidatesPerWord ?? 4;
  const maxSuggestions = options.maxSuggestions ?? 3;
  const minimumSurprisal = options.minimumSurprisal ?? 10;
  const generator = generatorFor(lm, index);
  const corrections: SpellingCorrection[] = [];
  const session = lm.model.createSession();
  try {
    for (const sentence of text.matchAll(sentencePattern)) {
      const offset = sentence.index ?? 0;
      const words: WordSpan[] = [...sentence[0].matchAll(wordPattern)]
        .map((match) => ({
          word: match[0],
          start: offset + (match.index ?? 0),
          end: offset + (match.index ?? 0) + match[0].length,
        }))
        .filter((span) => span.word.length >= 2);
      if (words.length === 0) continue;
      const original = await scoreSentence(lm, session, sentence[0], options.signal);
      const variants: Variant[] = [];
      for (const span of words) {
        const surprisal = wordSurprisal(
          lm,
          sentence[0],
          span.start - offset,
          span.end - offset,
          original,
        );
        if (surprisal !== undefined && surprisal < minimumSurprisal) continue;
        const lower = span.word.toLocaleLowerCase('bg');
        const distance = options.maxDistance ?? (lower.length >= 8 ? 2 : 1);
        for (const candidate of generator.candidates(lower, perWord, distance)) {
          const replacement = matchCase(span.word, candidate.word);
          variants.push({
            span,
            replacement,
            typingCost: candidate.typingCost,
            text:
              sentence[0].slice(0, span.start - offset) +
              replacement +
              sentence[0].slice(span.end - offset),
          });
        }
      }
      if (variants.length === 0) continue;
      const scores = await scoreVariants(
        lm,
        session,
        original,
        variants.map((variant) => variant.text),
        options.signal,
      );
      const byWord = new Map<WordSpan, SpellingSuggestion[]>();
      variants.forEach((variant, position) => {
        const gain = scores[position] - original.total - variant.typingCost;
        if (!(gain > margin)) return;
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
  } finally {
    await session.dispose();
  }
  return corrections.sort((left, right) => left.start - right.start);
}

/** A sentence's tokens as the model reads them, and the log-probability of each. */
interface ScoredSentence {
  /** `<|endoftext|>` (when the tokenizer has it), then the sentence's ids. */
  row: number[];
  /** Whether the row had to be cut to the model's context (its start dropped). */
  truncated: boolean;
  /** `logprobs[position]`: of `row[position]` given the row before it (`NaN` at 0). */
  logprobs: Float64Array;
  total: number;
}

/** The ids the model reads for a text: `<|endoftext|>` first, cut to the model's context. */
function rowOf(lm: BgGpt2, text: string): { row: number[]; truncated: boolean } {
  const start = lm.vocabulary.endOfTextId;
  const ids = lm.encode(text);
  const withStart = start === undefined ? ids : [start, ...ids];
  const contextLength = lm.model.config.contextLength;
  return {
    row: withStart.slice(Math.max(0, withStart.length - contextLength)),
    truncated: withStart.length > contextLength,
  };
}

/**
 * How surprising the model finds a word of the sentence in its context: the negative sum of its
 * tokens' log-probabilities; undefined when its tokens cannot be told apart from the
 * neighbouring ones (a piece spanning the word's edge) or have no context.
 */
function wordSurprisal(
  lm: BgGpt2,
  sentence: string,
  start: number,
  end: number,
  scored: ScoredSentence,
): number | undefined {
  if (scored.truncated) return undefined;
  const before = rowOf(lm, sentence.slice(0, start)).row;
  const through = rowOf(lm, sentence.slice(0, end)).row;
  if (through.length > scored.row.length || before.length >= through.length) return undefined;
  for (let position = 0; position < through.length; position++) {
    if (through[position] !== scored.row[position]) return undefined;
    if (position < before.length && before[position] !== scored.row[position]) return undefined;
  }
  let total = 0;
  for (let position = before.length; position < through.length; position++) {
    const logprob = scored.logprobs[position];
    if (Number.isNaN(logprob)) return undefined;
    total += logprob;
  }
  return -total;
}

/** The sentence's tokens and each one's log-probability, from one model call. */
async function scoreSentence(
  lm: BgGpt2,
  session: DecoderSession,
  sentence: string,
  signal: AbortSignal | undefined,
): Promise<ScoredSentence> {
  const { row, truncated } = rowOf(lm, sentence);
  const logprobs = new Float64Array(row.length).fill(Number.NaN);
  let total = 0;
  await forEachScored(lm, session, [{ row, from: 1 }], signal, (_, position, logprob) => {
    logprobs[position] = logprob;
    total += logprob;
  });
  return { row, truncated, logprobs, total };
}

/**
 * Total log-probability of each variant of a sentence after `<|endoftext|>` (so the first word
 * is scored too). The tokens a variant shares with the start of the original have the original's
 * log-probabilities (the model reads left to right), so only the rest are computed.
 */
async function scoreVariants(
  lm: BgGpt2,
  session: DecoderSession,
  original: ScoredSentence,
  texts: readonly string[],
  signal: AbortSignal | undefined,
): Promise<number[]> {
  const totals: number[] = [];
  const rows = texts.map((text, index) => {
    const { row } = rowOf(lm, text);
    let from = 1;
    const shared = original.truncated ? 0 : Math.min(row.length, original.row.length);
    while (from < shared && row[from] === original.row[from]) from++;
    let total = 0;
    for (let position = 1; position < from; position++) total += original.logprobs[position];
    totals[index] = total;
    return { row, from };
  });
  await forEachScored(lm, session, rows, signal, (rowIndex, _, logprob) => {
    totals[rowIndex] += logprob;
  });
  return totals;
}

/**
 * Calls `visit` with the log-probability of each token of each row from position `from` on, the
 * rows read in batches whose logits stay within {@link logitsBudget}.
 */
async function forEachScored(
  lm: BgGpt2,
  session: DecoderSession,
  rows: readonly { row: readonly number[]; from: number }[],
  signal: AbortSignal | undefined,
  visit: (row: number, position: number, logprob: number) => void,
): Promise<void> {
  const vocabularySize = lm.model.config.vocabularySize;
  const width = Math.max(...rows.map(({ row }) => row.length));
  const batchSize = Math.max(1, Math.floor(logitsBudget / (width * vocabularySize)));
  for (let first = 0; first < rows.length; first += batchSize) {
    if (signal?.aborted) {
      throw new LanguageModelError('ABORTED', 'The spelling check was aborted.', {
        cause: signal.reason,
      });
    }
    const batch = rows.slice(first, first + batchSize);
    const batchWidth = Math.max(...batch.map(({ row }) => row.length));
    const logits = await session.logitsAll(batch.map(({ row }) => row));
    batch.forEach(({ row, from }, rowIndex) => {
      const padding = batchWidth - row.length;
      for (let position = Math.max(1, from); position < row.length; position++) {
        const offset = (rowIndex * batchWidth + padding + position - 1) * vocabularySize;
        const logitsRow = logits.subarray(offset, offset + vocabularySize);
        visit(first + rowIndex, position, logitsRow[row[position]] - logSumExp(logitsRow));
      }
    });
  }
}
