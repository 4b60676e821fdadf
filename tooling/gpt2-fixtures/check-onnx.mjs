// check-onnx.mjs — runs packages/convert/fixtures/tiny-gpt2/torch-export/model.onnx (or the
// model given as argv[2]) with onnxruntime-node and compares it with
// packages/convert/fixtures/tiny-gpt2/reference.json (or argv[3]): both prompts' prefill
// logits (past length 0) + the first 3 cached greedy steps, and the left-padded batch
// (last-position logits + its 3 cached steps). Fails (exit 1) if max |Δ| > 1e-4 or an argmax
// differs.
//
// How (from the repo root; onnxruntime-node is resolved from packages/runtime):
//   node tooling/gpt2-fixtures/check-onnx.mjs [model.onnx] [reference.json]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const require = createRequire(join(repo, 'packages', 'runtime', 'package.json'));
const ort = require('onnxruntime-node');

const modelPath =
  process.argv[2] ?? join(repo, 'packages/convert/fixtures/tiny-gpt2/torch-export/model.onnx');
const refPath = process.argv[3] ?? join(repo, 'packages/convert/fixtures/tiny-gpt2/reference.json');
const ref = JSON.parse(readFileSync(refPath, 'utf8'));
const { n_layer: L, n_head: H, n_embd: E, vocab_size: V } = ref.config;
const D = E / H;
const TOL = 1e-4;

const session = await ort.InferenceSession.create(modelPath);
console.log('inputs ', session.inputNames.join(', '));
console.log('outputs', session.outputNames.join(', '));

const i64 = (rows) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [
    rows.length,
    rows[0].length,
  ]);

function emptyPast(B) {
  const past = {};
  for (let i = 0; i < L; i++) {
    past[`past_key_values.${i}.key`] = new ort.Tensor('float32', new Float32Array(0), [B, H, 0, D]);
    past[`past_key_values.${i}.value`] = new ort.Tensor('float32', new Float32Array(0), [
      B,
      H,
      0,
      D,
    ]);
  }
  return past;
}

function nextPast(out) {
  const past = {};
  for (let i = 0; i < L; i++) {
    past[`past_key_values.${i}.key`] = out[`present.${i}.key`];
    past[`past_key_values.${i}.value`] = out[`present.${i}.value`];
  }
  return past;
}

async function run(ids, mask, pos, past) {
  return session.run({
    input_ids: i64(ids),
    attention_mask: i64(mask),
    position_ids: i64(pos),
    ...past,
  });
}

let worst = 0;
let failures = 0;
function cmp(what, got /* Float32Array */, offset, want /* number[] */) {
  let m = 0;
  let arg = 0;
  for (let v = 0; v < V; v++) {
    m = Math.max(m, Math.abs(got[offset + v] - want[v]));
    if (got[offset + v] > got[offset + arg]) arg = v;
  }
  let wantArg = 0;
  for (let v = 1; v < V; v++) if (want[v] > want[wantArg]) wantArg = v;
  worst = Math.max(worst, m);
  const ok = m <= TOL && arg === wantArg;
  if (!ok) failures++;
  if (!ok || process.env.VERBOSE)
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${what} max|Δ|=${m.toExponential(2)} argmax ${arg} vs ${wantArg}`,
    );
  return arg;
}

for (const p of ref.prompts) {
  const T = p.input_ids.length;
  let out = await run(
    [p.input_ids],
    [Array(T).fill(1)],
    [p.input_ids.map((_, i) => i)],
    emptyPast(1),
  );
  const logits = out.logits.data;
  if (out.logits.dims.join() !== [1, T, V].join())
    throw new Error(`logits dims ${out.logits.dims}`);
  for (let t = 0; t < T; t++) cmp(`${p.name} prefill pos ${t}`, logits, t * V, p.prefill_logits[t]);
  let tok = p.first_token;
  let past = nextPast(out);
  for (let s = 0; s < 3; s++) {
    const st = p.steps[s];
    if (st.input_id !== tok || st.position !== T + s)
      throw new Error('reference steps inconsistent');
    out = await run([[tok]], [Array(T + s + 1).fill(1)], [[T + s]], past);
    if (out['present.0.key'].dims[2] !== T + s + 1) throw new Error('present length');
    tok = cmp(`${p.name} step ${s}`, out.logits.data, 0, st.logits);
    if (tok !== st.argmax) throw new Error('argmax');
    past = nextPast(out);
  }
}

{
  const b = ref.batch;
  const B = b.input_ids.length;
  const T = b.input_ids[0].length;
  let out = await run(b.input_ids, b.attention_mask, b.position_ids, emptyPast(B));
  for (let r = 0; r < B; r++)
    cmp(`batch row ${r} last`, out.logits.data, (r * T + T - 1) * V, b.last_logits[r]);
  let mask = b.attention_mask.map((row) => [...row]);
  let past = nextPast(out);
  for (const st of b.steps) {
    mask = mask.map((row) => [...row, 1]);
    out = await run(
      st.input_ids.map((x) => [x]),
      mask,
      st.position_ids.map((x) => [x]),
      past,
    );
    for (let r = 0; r < B; r++) cmp(`batch step row ${r}`, out.logits.data, r * V, st.logits[r]);
    past = nextPast(out);
  }
}

console.log(`max |Δ| = ${worst.toExponential(3)} (tolerance ${TOL}); ${failures} failure(s)`);
process.exit(failures === 0 && worst <= TOL ? 0 : 1);
