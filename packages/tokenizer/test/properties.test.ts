import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel, modelNames } from './fixtures.js';

/** Any text, with a bias towards what breaks tokenizers: Cyrillic, spaces, marks, symbols. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(
      fc.constantFrom(
        'а',
        'б',
        'й',
        'и\u0306',
        ' ',
        '  ',
        '\u00a0',
        '\t',
        'ﬁ',
        'Ａ',
        '<|n|>',
        '😀',
        '\u200d',
        '\u0301',
        ',',
        '1',
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join('')),
);

describe.each(modelNames)('properties of %s', (name) => {
  const tokenizer = loadModel(name);

  it('encodes any string without throwing, to ids in range', () => {
    fc.assert(
      fc.property(text, (input) => {
        for (const id of tokenizer.encode(input)) {
          expect(id).toBeGreaterThanOrEqual(0);
          expect(id).toBeLessThan(tokenizer.vocabularySize);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decodes its own encoding back to the normalized text', () => {
    fc.assert(
      fc.property(text, (input) => {
        const ids = tokenizer.encode(input);
        // Unknown characters decode to " ⁇ " by design; compare only texts the vocabulary covers.
        fc.pre(!ids.some((id) => tokenizer.isUnknown(id)));
        const normalized = tokenizer.normalize(input);
        const spec = tokenizer.proto.normalizerSpec;
        let expected = normalized.replaceAll('\u2581', ' ');
        if (spec.addDummyPrefix || spec.removeExtraWhitespaces) {
          if (tokenizer.proto.trainerSpec.treatWhitespaceAsSuffix)
            expected = expected.replace(/ $/, '');
          else expected = expected.replace(/^ /, '');
        }
        if (!tokenizer.proto.trainerSpec.treatWhitespaceAsSuffix)
          expect(tokenizer.decode(ids)).toBe(expected);
        else expect(tokenizer.decode(ids).replace(/ $/, '')).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('gives offsets that are monotonic, inside the input, and cover it', () => {
    fc.assert(
      fc.property(text, (input) => {
        const pieces = tokenizer.encodeWithOffsets(input);
        let previousEnd = 0;
        for (const piece of pieces) {
          expect(piece.begin).toBeLessThanOrEqual(piece.end);
          expect(piece.end).toBeLessThanOrEqual(input.length);
          expect(piece.begin).toBeGreaterThanOrEqual(previousEnd);
          if (piece.surface !== '') expect(input.slice(piece.begin, piece.end)).toBe(piece.surface);
          previousEnd = piece.end;
        }
        // Everything between pieces is text the normalizer drops (whitespace and the like).
        const covered = pieces.map((piece) => piece.surface).join('');
        const visible = (value: string) => tokenizer.normalize(value).replaceAll('\u2581', '');
        expect(visible(covered)).toBe(visible(input));
      }),
      { numRuns: 300 },
    );
  });

  it('streams exactly what decode returns, whatever the ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: tokenizer.vocabularySize - 1 }), { maxLength: 30 }),
        (ids) => {
          const decoder = tokenizer.createStreamingDecoder();
          const deltas = ids.map((id) => decoder.push(id));
          deltas.push(decoder.flush());
          expect(deltas.join('')).toBe(tokenizer.decode(ids));
        },
      ),
      { numRuns: 300 },
    );
  });
});
