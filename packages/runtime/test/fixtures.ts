import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeError } from '../src/index.js';

/** The tiny GPT-2 fixture made by packages/convert (tooling/gpt2-fixtures). */
export const tinyFolder = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../convert/fixtures/tiny-gpt2',
);
export const tinyOnnxPath = join(tinyFolder, 'torch-export', 'model.onnx');
export const tinyConfigPath = join(tinyFolder, 'config.json');

export interface ReferenceStep {
  input_id: number;
  position: number;
  argmax: number;
  logits: number[];
}

export interface ReferencePrompt {
  name: string;
  input_ids: number[];
  prefill_logits: number[][];
  first_token: number;
  steps: ReferenceStep[];
  greedy: number[];
}

export interface Reference {
  prompts: ReferencePrompt[];
  batch: {
    input_ids: number[][];
    attention_mask: number[][];
    position_ids: number[][];
    pad_id: number;
    last_logits: number[][];
    steps: { input_ids: number[]; position_ids: number[]; argmax: number[]; logits: number[][] }[];
  };
}

export async function readReference(): Promise<Reference> {
  return JSON.parse(await readFile(join(tinyFolder, 'reference.json'), 'utf8')) as Reference;
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

/** A new temporary folder; remove it with `rm(path, { recursive: true })`. */
export function temporaryFolder(prefix = 'bg-gpt2-runtime-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * A model folder with config.json, model.onnx (the torch export) and — standing in for a tokenizer
 * — a small spiece.model and tokenizer_config.json. Returns the folder.
 */
export async function makeModelFolder(parent: string, name = 'tiny-model'): Promise<string> {
  const folder = join(parent, name);
  await mkdir(folder, { recursive: true });
  await copyFile(tinyConfigPath, join(folder, 'config.json'));
  await copyFile(tinyOnnxPath, join(folder, 'model.onnx'));
  await writeFile(
    join(folder, 'spiece.model'),
    new Uint8Array(4096).map((_, index) => index % 251),
  );
  await writeFile(join(folder, 'tokenizer_config.json'), JSON.stringify({ keep_accents: true }));
  return folder;
}

export async function removeFolder(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<RuntimeError> {
  try {
    await promise;
  } catch (error) {
    return error as RuntimeError;
  }
  throw new Error('expected the promise to reject');
}
