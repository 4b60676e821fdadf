import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** packages/demo-model/fixtures (made by tooling/train-demo-model/make-reference.py). */
export const fixturesFolder = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface ReferenceStep {
  input_id: number;
  position: number;
  argmax: number;
  logits: number[];
}

export interface ReferencePrompt {
  name: string;
  text: string;
  input_ids: number[];
  /** Logits of the prompt's last position. */
  prefill_logits: number[];
  first_token: number;
  steps: ReferenceStep[];
  /** The greedy continuation (first token from the prefill). */
  greedy: number[];
  /** Top-1 minus top-2 logit at each greedy position (how close a tie was). */
  greedy_top2_gaps: number[];
}

export interface ValidationReference {
  window_length: number;
  tokens: number;
  windows: number;
  predicted_tokens: number;
  loss: number;
  perplexity: number;
  window_nll_sums: number[];
}

export async function readReference(): Promise<ReferencePrompt[]> {
  const bytes = await readFile(join(fixturesFolder, 'reference.json.gz'));
  return (JSON.parse(gunzipSync(bytes).toString('utf8')) as { prompts: ReferencePrompt[] }).prompts;
}

export async function readValidation(): Promise<{
  reference: ValidationReference;
  ids: Uint16Array;
}> {
  const reference = JSON.parse(
    await readFile(join(fixturesFolder, 'validation.json'), 'utf8'),
  ) as ValidationReference;
  const bytes = await readFile(join(fixturesFolder, 'validation-ids.bin'));
  const ids = new Uint16Array(bytes.byteLength / 2);
  for (let index = 0; index < ids.length; index++) ids[index] = bytes.readUInt16LE(index * 2);
  return { reference, ids };
}

/** The largest |a − b| over two equally long sequences. */
export function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`lengths differ: ${actual.length} vs ${expected.length}`);
  }
  let largest = 0;
  for (let index = 0; index < actual.length; index++) {
    largest = Math.max(largest, Math.abs(actual[index] - expected[index]));
  }
  return largest;
}

/** Index of the largest value in `values[offset … offset + length)`. */
export function argmax(
  values: ArrayLike<number>,
  offset = 0,
  length = values.length - offset,
): number {
  let best = 0;
  for (let index = 1; index < length; index++) {
    if (values[offset + index] > values[offset + best]) best = index;
  }
  return best;
}

/** −log softmax(row)[target] for the row at `offset`, in float64. */
export function negativeLogLikelihood(
  logits: ArrayLike<number>,
  offset: number,
  length: number,
  target: number,
): number {
  let largest = -Infinity;
  for (let index = 0; index < length; index++) largest = Math.max(largest, logits[offset + index]);
  let sum = 0;
  for (let index = 0; index < length; index++) sum += Math.exp(logits[offset + index] - largest);
  return Math.log(sum) + largest - logits[offset + target];
}
