import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoModelFolder } from '@bg-gpt2/demo-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BgGpt2 } from '../src/node.js';

// The bundled demo model: a small GPT-2 trained on Bulgarian text. What it writes is its own,
// but these uses must work on it.
let lm: BgGpt2;
const notices: string[] = [];

beforeAll(async () => {
  lm = await BgGpt2.load(undefined, {
    offline: true,
    cacheDirectory: mkdtempSync(join(tmpdir(), 'bg-gpt2-demo-cache-')),
    onNotice: (message) => notices.push(message),
  });
});

afterAll(async () => {
  await lm?.dispose();
});

describe('the default model', () => {
  it('is the bundled demo model when the published one is not cached (offline), with a notice', () => {
    expect(lm.model.source).toBe(demoModelFolder);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/demo model.*bg-gpt2 pull rmihaylov\/gpt2-small-theseus-bg/);
  });
});

describe('spelling correction on the demo model', () => {
  it('corrects a typo to the vocabulary word that makes the sentence likely', async () => {
    expect(await lm.spell('Неуспешно отваряне на фаила.')).toEqual([
      {
        start: 22,
        end: 27,
        word: 'фаила',
        suggestions: [expect.objectContaining({ text: 'файла' })],
      },
    ]);
    const [transposed] = await lm.spell('Файлът не може да бъде отоврен.');
    expect(transposed.word).toBe('отоврен');
    expect(transposed.suggestions[0].text).toBe('отворен');
    expect(transposed.suggestions[0].gain).toBeGreaterThan(3);
  });

  it('corrects to words the tokenizer splits into several pieces (not whole-word pieces)', async () => {
    expect(lm.tokenize('хубаво').length).toBeGreaterThan(1);
    const [swapped] = await lm.spell('Днес времето е хубвао.');
    expect(swapped).toMatchObject({ start: 15, end: 21, word: 'хубвао' });
    expect(swapped.suggestions[0].text).toBe('хубаво');
    const [capital] = await lm.spell('Прозорцеът не може да бъде затворен.');
    expect(capital.suggestions[0].text).toBe('Прозорецът');
    expect(await lm.spell('Днес времето е хубаво. Прозорецът не може да бъде затворен.')).toEqual(
      [],
    );
  });

  it('leaves a correct sentence alone and keeps capitals', async () => {
    expect(await lm.spell('Файлът не може да бъде отворен.')).toEqual([]);
    const [capital] = await lm.spell('Фаилът не може да бъде отворен.');
    expect(capital?.suggestions[0].text).toBe('Файлът');
  });
});

describe('auto-complete on the demo model', () => {
  it('after a typed space, suggests whole next words without a leading space', async () => {
    const completions = await lm.complete('Файлът не може да бъде ', { n: 3, maxWords: 2 });
    expect(completions.length).toBeGreaterThan(0);
    for (const completion of completions) expect(completion.text).toMatch(/^\p{L}/u);
    expect(completions.map((completion) => completion.text)).toContain('отворен.');
  });

  it('inside a word, re-spells it across a different tokenization (token healing)', async () => {
    const ids = lm.encode('Файлът не може да бъде отво');
    expect(lm.vocabulary.pieces[ids.at(-1) as number].startsWith('▁')).toBe(false);
    const completions = await lm.complete('Файлът не може да бъде отво');
    expect(completions[0].text).toBe('рен.');
    const plain = await lm.complete('Файлът не може да бъде отво', { tokenHealing: false });
    expect(plain[0]?.text).not.toBe('рен.');
  });
});

describe('generation on the demo model', () => {
  it('writes Bulgarian: the greedy continuation of a common phrase', async () => {
    const text = await lm.generate('Файлът не може да бъде', {
      maxNewTokens: 10,
      repetitionPenalty: 1.3,
      stop: '\n',
    });
    expect(text).toBe(' отворен.');
  });

  it('scores a fluent sentence as far more likely than its scrambled words', async () => {
    const fluent = await lm.score('Файлът не може да бъде отворен.');
    const scrambled = await lm.score('Отворен да файлът бъде не може.');
    expect(fluent.perplexity).toBeLessThan(scrambled.perplexity / 3);
  });
});
