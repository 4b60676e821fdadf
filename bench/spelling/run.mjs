// Spelling-correction accuracy (issue 4): 200 held-out Bulgarian sentences, each with one
// injected typo (insertion, deletion, substitution or transposition of a letter in a word of 4+
// letters; see cases.mjs), and the same 200 sentences clean. For each margin: how often `lm.spell`
// proposes the original word first at the typo (corrected), flags the typo at all (detected), and
// flags a clean sentence anywhere (false alarm). `lm.spell` runs once per sentence with every
// other option at its default and margin −∞, so each margin is evaluated afterwards from the
// suggestions' gains.
//
//   node bench/spelling/run.mjs [--model <folder>] [--dtype fp32] [--count 200] [--options '<json>']
//
// --options: more `lm.spell` options as JSON (e.g. '{"candidatesPerWord":4}') to compare settings.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgGpt2 } from 'bg-gpt2';
import { makeCases, root } from './cases.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const count = Number(option('count', '200'));
const extra = JSON.parse(option('options', '{}'));
const margins = [0, 1, 2, 3, 4, 6, 7, 8, 10, 12];
const defaultMargin = 8;

const cases = makeCases(count);
const model = option('model', undefined);
const lm = await BgGpt2.load(model, { dtype: option('dtype', 'fp32'), onNotice: () => {} });
console.error(`model: ${lm.model.source}; ${cases.length} sentences`);

// Every word's best candidate and its gain (margin −∞), so each margin is evaluated afterwards.
const everything = { ...extra, margin: Number.NEGATIVE_INFINITY, maxSuggestions: 1 };
await lm.spell(cases[0].text, everything); // builds the index; not timed
const started = performance.now();
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
  let falseAlarmWords = 0;
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
    const falseAlarms = result.cleanCorrections.filter((c) => c.suggestions[0].gain > margin);
    falseAlarmWords += falseAlarms.length;
    if (falseAlarms.length > 0) falseAlarmSentences++;
  }
  return {
    margin,
    corrected,
    detected,
    otherFlags,
    falseAlarmSentences,
    falseAlarmWords,
    byKind,
  };
});

const percent = (value) => `${((100 * value) / results.length).toFixed(1)} %`;
console.log(
  `\n${results.length} held-out sentences, one typo each, and the same sentences clean; ${lm.model.source}; options ${JSON.stringify(extra)}; ${seconds.toFixed(1)} s (${((1000 * seconds) / (2 * results.length)).toFixed(0)} ms a sentence)\n`,
);
console.log(
  '| margin (nats) | corrected | detected | false alarms (clean sentences) | words flagged in clean sentences | other words flagged in typo sentences |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  const margin = row.margin === defaultMargin ? `**${row.margin}** (default)` : row.margin;
  console.log(
    `| ${margin} | ${percent(row.corrected)} | ${percent(row.detected)} | ${percent(row.falseAlarmSentences)} | ${row.falseAlarmWords} | ${row.otherFlags} |`,
  );
}
for (const margin of [3, defaultMargin]) {
  const row = rows.find((candidate) => candidate.margin === margin);
  console.log(
    `\nat margin ${margin}, corrected by kind: ${Object.entries(row.byKind)
      .map(([kind, value]) => `${kind} ${value.corrected}/${value.total}`)
      .join(', ')}`,
  );
}
mkdirSync(join(root, 'bench', '.data'), { recursive: true });
writeFileSync(
  join(root, 'bench', '.data', 'spelling-results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), model: lm.model.source, options: extra, seconds, rows, cases: results.map(({ sentence, typo, word, kind, typoCorrections, cleanCorrections }) => ({ sentence, typo, word, kind, typoCorrections, cleanCorrections })) }, null, 2)}\n`,
);
await lm.dispose();
