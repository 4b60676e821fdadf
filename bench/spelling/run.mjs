// Spelling-correction accuracy (issue 4): 200 held-out Bulgarian sentences, each with one
// injected typo (insertion, deletion, substitution or transposition of a letter in a word of 4+
// letters), and the same 200 sentences clean. For each margin: how often `lm.spell` proposes the
// original word first at the typo (corrected), flags the typo at all (detected), and flags a
// clean sentence anywhere (false alarm). The sentences are lines of the corpus's held-out split
// (never seen in training by the demo model); the typos are seeded, so every run is the same.
//
//   node bench/spelling/run.mjs [--model <folder>] [--dtype fp32] [--count 200]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BgGpt2 } from 'bg-gpt2';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const heldOut = join(root, 'tooling', 'tokenizer-fixtures', '.work', 'heldout.txt');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const count = Number(option('count', '200'));
const margins = [0, 1, 2, 3, 4, 6, 8];

if (!existsSync(heldOut)) {
  throw new Error('no held-out text: run bash tooling/tokenizer-fixtures/build-corpus.sh');
}

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

const alphabet = 'абвгдежзийклмнопрстуфхцчшщъьюя';
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

const cases = chosen.map((sentence) => ({ sentence, ...injectTypo(sentence) }));
const model = option('model', undefined);
const lm = await BgGpt2.load(model, { dtype: option('dtype', 'fp32'), onNotice: () => {} });
console.error(`model: ${lm.model.source}; ${cases.length} sentences`);

const started = performance.now();
// Every word's best candidate and its gain (margin −∞), so each margin is evaluated afterwards.
const everything = { margin: Number.NEGATIVE_INFINITY, maxSuggestions: 1 };
const results = [];
for (const [index, item] of cases.entries()) {
  const typoCorrections = await lm.spell(item.text, everything);
  const cleanCorrections = await lm.spell(item.sentence, everything);
  results.push({ ...item, typoCorrections, cleanCorrections });
  if ((index + 1) % 50 === 0) console.error(`  ${index + 1}/${cases.length}`);
}
const seconds = (performance.now() - started) / 1000;

const rows = margins.map((margin) => {
  let corrected = 0;
  let detected = 0;
  let falseAlarmSentences = 0;
  let otherFlags = 0;
  const byKind = {};
  for (const result of results) {
    const proposals = result.typoCorrections.filter((c) => c.suggestions[0].gain > margin);
    const atTypo = proposals.find((c) => c.start === result.start && c.end === result.end);
    byKind[result.kind] ??= { total: 0, corrected: 0 };
    byKind[result.kind].total++;
    if (atTypo) {
      detected++;
      if (atTypo.suggestions[0].text === result.word) {
        corrected++;
        byKind[result.kind].corrected++;
      }
    }
    otherFlags += proposals.length - (atTypo ? 1 : 0);
    if (result.cleanCorrections.some((c) => c.suggestions[0].gain > margin)) falseAlarmSentences++;
  }
  return { margin, corrected, detected, otherFlags, falseAlarmSentences, byKind };
});

const percent = (value) => `${((100 * value) / results.length).toFixed(1)} %`;
console.log(
  `\n${results.length} held-out sentences, one typo each, and the same sentences clean; ${lm.model.source}; ${seconds.toFixed(0)} s\n`,
);
console.log(
  '| margin (nats) | corrected | detected | false alarms (clean sentences) | other words flagged in typo sentences |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) {
  console.log(
    `| ${row.margin} | ${percent(row.corrected)} | ${percent(row.detected)} | ${percent(row.falseAlarmSentences)} | ${row.otherFlags} |`,
  );
}
const atDefault = rows.find((row) => row.margin === 3);
console.log(
  `\nat the default margin 3, corrected by kind: ${Object.entries(atDefault.byKind)
    .map(([kind, value]) => `${kind} ${value.corrected}/${value.total}`)
    .join(', ')}`,
);
writeFileSync(
  join(root, 'bench', '.data', 'spelling-results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), model: lm.model.source, rows, cases: results.map(({ sentence, typo, word, kind }) => ({ sentence, typo, word, kind })) }, null, 2)}\n`,
);
await lm.dispose();
