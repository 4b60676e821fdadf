// The benchmark's cases, shared by run.mjs and analyze.mjs: `count` held-out sentences, each with
// one injected typo (insertion, deletion, substitution or transposition of a letter in a word of
// 4+ letters, never its first letter), and the same sentences clean. The sentences are lines of
// the corpus's held-out split (never seen in training by the demo model); the typos are seeded,
// so every run is the same — never change this, so figures stay comparable.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
const heldOut = join(root, 'tooling', 'tokenizer-fixtures', '.work', 'heldout.txt');
const alphabet = 'абвгдежзийклмнопрстуфхцчшщъьюя';

/** mulberry32: a small seeded generator, so the cases never change. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** The cases: `{ sentence, kind, word, typo, start, end, text }` each. */
export function makeCases(count = 200) {
  if (!existsSync(heldOut)) {
    throw new Error('no held-out text: run bash tooling/tokenizer-fixtures/build-corpus.sh');
  }
  const next = random(20261128);
  const pick = (list) => list[Math.floor(next() * list.length)];

  // Sentences: Cyrillic prose lines of 5–25 words, no placeholders or markup.
  const sentences = readFileSync(heldOut, 'utf8')
    .split('\n')
    .filter((line) => {
      const words = line.split(/\s+/).filter(Boolean);
      return (
        words.length >= 5 &&
        words.length <= 25 &&
        /^[\p{Script=Cyrillic}\s,.;:!?„“"()–-]+$/u.test(line) &&
        (line.match(/\p{Script=Cyrillic}{4,}/gu) ?? []).length >= 2
      );
    });
  const chosen = [];
  const seen = new Set();
  while (chosen.length < count && seen.size < sentences.length) {
    const sentence = pick(sentences);
    if (seen.has(sentence)) continue;
    seen.add(sentence);
    chosen.push(sentence);
  }

  function injectTypo(sentence) {
    const words = [...sentence.matchAll(/\p{Script=Cyrillic}{4,}/gu)];
    const match = pick(words);
    const word = match[0];
    const lower = word.toLowerCase();
    const position = 1 + Math.floor(next() * (word.length - 1));
    const kind = pick(['insert', 'delete', 'substitute', 'transpose']);
    let typo;
    if (kind === 'insert')
      typo = word.slice(0, position) + pick([...alphabet]) + word.slice(position);
    else if (kind === 'delete') typo = word.slice(0, position) + word.slice(position + 1);
    else if (kind === 'substitute') {
      let letter = pick([...alphabet]);
      while (letter === lower[position]) letter = pick([...alphabet]);
      typo = word.slice(0, position) + letter + word.slice(position + 1);
    } else {
      const at = Math.min(position, word.length - 2);
      typo = word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
    }
    if (typo === word) return injectTypo(sentence);
    const start = match.index;
    return {
      kind,
      word,
      typo,
      start,
      end: start + typo.length,
      text: sentence.slice(0, start) + typo + sentence.slice(start + word.length),
    };
  }

  return chosen.map((sentence) => ({ sentence, ...injectTypo(sentence) }));
}
