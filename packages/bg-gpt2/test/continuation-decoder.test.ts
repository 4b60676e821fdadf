import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBgGpt2Tokenizer } from '@bg-gpt2/tokenizer';
import { describe, expect, it } from 'vitest';
import { ContinuationDecoder } from '../src/continuation-decoder.js';
import { tokenizerModels } from './fixture-model.js';

const tokenizer = (name: string) =>
  createBgGpt2Tokenizer({
    sentencePieceModel: readFileSync(join(tokenizerModels, name)),
    // As the bg-gpt2 models' tokenizer_config.json.
    tokenizerConfig: { do_lower_case: false, keep_accents: true, remove_space: true },
  });

function pushAll(decoder: ContinuationDecoder, ids: readonly number[]): string[] {
  const deltas = ids.map((id) => decoder.push(id));
  deltas.push(decoder.flush());
  return deltas;
}

describe('ContinuationDecoder', () => {
  it('keeps the leading space of the first generated word and reproduces decode()', () => {
    const bg = tokenizer('unigram-bg.model');
    const prompt = bg.encode('Здравей,');
    const continuation = bg.encode('Здравей, как си днес?').slice(prompt.length);
    const decoder = new ContinuationDecoder(bg, prompt, bg.decode(prompt));
    const text = pushAll(decoder, continuation).join('');
    expect(text).toBe(' как си днес?');
    expect(bg.decode(prompt) + text).toBe(bg.decode([...prompt, ...continuation]));
  });

  it('never emits half a character split into byte pieces', () => {
    const bpe = tokenizer('bpe-byte-fallback.model');
    const prompt = bpe.encode('Поздрав');
    const ids = bpe.encode('Поздрав 🦉 и 𝄞 край').slice(prompt.length);
    expect(
      bpe.encodeAsPieces('🦉').filter((piece) => /^<0x[0-9A-F]{2}>$/.test(piece)),
    ).toHaveLength(4);
    const deltas = pushAll(new ContinuationDecoder(bpe, prompt, bpe.decode(prompt)), ids);
    for (const delta of deltas) expect(delta).not.toMatch(/\uFFFD|[\uD800-\uDBFF]$/u);
    expect(deltas.join('')).toBe(' 🦉 и 𝄞 край');
  });

  it('holds back a <|n|> symbol until complete and shows it as a line break', () => {
    const bg = tokenizer('unigram-bg.model');
    const prompt = bg.encode('ред');
    const ids = bg.encode('ред\nнов ред').slice(prompt.length);
    const deltas = pushAll(new ContinuationDecoder(bg, prompt, bg.decode(prompt)), ids);
    expect(deltas.join('')).toBe('\nнов ред');
    for (const delta of deltas) expect(delta).not.toMatch(/<\|/);
  });

  it('skips the text of taken-back tokens (token healing) and a typed space', () => {
    const bg = tokenizer('unigram-bg.model');
    const full = bg.encode('Днес времето');
    const context = full.slice(0, -1);
    const regenerated = bg.encode('Днес времето е хубаво').slice(context.length);
    const decoder = new ContinuationDecoder(bg, context, bg.decode(full));
    expect(pushAll(decoder, regenerated).join('')).toBe(' е хубаво');
    const spaced = new ContinuationDecoder(bg, full, bg.decode(full), true);
    expect(pushAll(spaced, bg.encode('Днес времето е').slice(full.length)).join('')).toBe('е');
  });
});
