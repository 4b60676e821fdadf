/**
 * Greedy and beam-search output on the tiny GPT-2 checkpoints, through the real pipeline
 * (checkpoint → conversion → ONNX Runtime → @bg-gpt2/sampler), against the PyTorch reference of
 * Hugging Face's `generate` in fixtures/generation-reference.json (made by
 * tooling/gpt2-fixtures/generation-reference.py; see its docstring for the exact semantics).
 *
 * Every case must give identical ids; beam scores (HF's `sequences_scores`) and greedy per-token
 * log-probs must agree within 1e-4 — relative to the score's size beyond 1, because HF's scores
 * are float32 (with length_penalty −1 they reach −921, where float32 values are 6e-5 apart and
 * the reference itself is rounded by up to 3e-5). Beam cases run twice: on the session as it is (batched beams
 * with `reorder` when the runtime has it) and on a step model without `reorder` (the sampler's
 * re-prefill fallback).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, type Model } from '@bg-gpt2/runtime/node';
import {
  fromHuggingFaceOptions,
  type GenerationResult,
  generate,
  type HuggingFaceGenerationOptions,
  type StepModel,
} from '@bg-gpt2/sampler';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

interface ReferenceSequence {
  ids: number[];
  finish: 'eos' | 'length';
  /** Beam search: HF's sequences_scores. */
  score?: number;
  /** Greedy: log-softmax of the processed logits at each chosen id. */
  logprobs?: number[];
}

interface ReferenceCase {
  name: string;
  model: string;
  prompt: string;
  hf: HuggingFaceGenerationOptions;
  sequences: ReferenceSequence[];
  min_margin: number;
}

interface Reference {
  models: Record<string, string>;
  prompts: Record<string, number[]>;
  cases: ReferenceCase[];
}

const tolerance = 1e-4;
const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = join(here, '..', '..', '..');
const reference = JSON.parse(
  readFileSync(join(here, '..', 'fixtures', 'generation-reference.json'), 'utf8'),
) as Reference;

const temporary = mkdtempSync(join(tmpdir(), 'bg-gpt2-pytorch-generation-'));
const models = new Map<string, Model>();

beforeAll(async () => {
  // Conversion on first use goes to a cache; keep it out of the user's ~/.cache.
  vi.stubEnv('BG_GPT2_CACHE', join(temporary, 'cache'));
  for (const [name, path] of Object.entries(reference.models)) {
    // A folder as published: config.json + pytorch_model.bin only.
    const folder = join(temporary, name);
    mkdirSync(folder);
    for (const file of ['config.json', 'pytorch_model.bin']) {
      copyFileSync(join(repositoryRoot, path, file), join(folder, file));
    }
    models.set(
      name,
      await loadModel(folder, { tokenizer: false, sessionOptions: { intraOpNumThreads: 1 } }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const model of models.values()) await model.dispose();
  vi.unstubAllEnvs();
  rmSync(temporary, { recursive: true, force: true });
});

/** The session seen through the bare StepModel interface: no `reorder`. */
function withoutReorder(session: StepModel): StepModel {
  return {
    vocabularySize: session.vocabularySize,
    prefill: (ids) => session.prefill(ids),
    step: (tokens) => session.step(tokens),
  };
}

async function run(
  model: Model,
  testCase: ReferenceCase,
  wrap: (session: StepModel) => StepModel = (session) => session,
): Promise<GenerationResult> {
  const session = model.createSession();
  try {
    const options = fromHuggingFaceOptions(testCase.hf);
    const greedy = (testCase.hf.num_beams ?? 1) === 1;
    return await generate(wrap(session), reference.prompts[testCase.prompt], {
      ...options,
      ...(greedy ? { logprobs: true } : {}),
    });
  } finally {
    await session.dispose();
  }
}

function expectSameAsReference(result: GenerationResult, testCase: ReferenceCase): void {
  const expected = testCase.sequences;
  expect(result.sequences.map((sequence) => sequence.tokens)).toEqual(
    expected.map((sequence) => sequence.ids),
  );
  expect(result.sequences.map((sequence) => sequence.finishReason)).toEqual(
    expected.map((sequence) => sequence.finish),
  );
  expected.forEach((sequence, index) => {
    const actual = result.sequences[index];
    if (sequence.score !== undefined) {
      expect(actual.score).toBeDefined();
      expect(Math.abs((actual.score as number) - sequence.score)).toBeLessThanOrEqual(
        tolerance * Math.max(1, Math.abs(sequence.score)),
      );
    }
    if (sequence.logprobs !== undefined) {
      const logprobs = actual.logprobs?.map((step) => step.logprob) ?? [];
      expect(logprobs).toHaveLength(sequence.logprobs.length);
      const worst = Math.max(
        ...sequence.logprobs.map((value, step) => Math.abs(logprobs[step] - value)),
      );
      expect(worst).toBeLessThanOrEqual(tolerance);
    }
  });
}

describe('generation identical to the PyTorch reference of Hugging Face generate', () => {
  it('covers greedy and beam search on both tiny checkpoints', () => {
    const beams = reference.cases.filter((testCase) => (testCase.hf.num_beams ?? 1) > 1);
    expect(reference.cases.length - beams.length).toBeGreaterThanOrEqual(20);
    expect(beams.length).toBeGreaterThanOrEqual(100);
    expect(new Set(reference.cases.map((testCase) => testCase.model))).toEqual(
      new Set(['tiny-gpt2', 'tiny-gpt2-untied']),
    );
    // Beams that finish on an end-of-sequence id before the length limit.
    expect(
      beams.filter((testCase) =>
        testCase.sequences.some(
          (sequence) =>
            sequence.finish === 'eos' &&
            sequence.ids.length < (testCase.hf.max_new_tokens ?? Number.POSITIVE_INFINITY),
        ),
      ).length,
    ).toBeGreaterThanOrEqual(50);
  });

  for (const testCase of reference.cases) {
    const beam = (testCase.hf.num_beams ?? 1) > 1;
    it(`${testCase.model}: ${testCase.name}`, async () => {
      const model = models.get(testCase.model) as Model;
      expectSameAsReference(await run(model, testCase), testCase);
      if (beam) expectSameAsReference(await run(model, testCase, withoutReorder), testCase);
    });
  }
});
