import { access, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnxFileName } from '@bg-gpt2/runtime';
import { loadModel, type Model } from '@bg-gpt2/runtime/node';
import { createBgGpt2Tokenizer } from '@bg-gpt2/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DemoModelDataType,
  demoModelCheckpointFiles,
  demoModelFiles,
  demoModelFolder,
  demoModelOnnxFiles,
} from '../src/index.js';
import {
  argmax,
  maxAbsDifference,
  negativeLogLikelihood,
  type ReferencePrompt,
  readReference,
  readValidation,
} from './reference.js';

const options = { sessionOptions: { intraOpNumThreads: 1 } };
let prompts: ReferencePrompt[];

beforeAll(async () => {
  prompts = await readReference();
});

describe('the package', () => {
  it('names every ONNX file as the runtime looks for it', () => {
    for (const [dtype, file] of Object.entries(demoModelOnnxFiles)) {
      expect(file).toBe(onnxFileName(dtype as DemoModelDataType));
    }
  });

  it('has every listed file in the built model folder', async () => {
    expect(demoModelFolder).toMatch(/demo-model[/\\]dist[/\\]model$/);
    for (const file of demoModelFiles) await access(join(demoModelFolder, file));
    for (const file of demoModelCheckpointFiles) {
      const built = await readFile(join(demoModelFolder, file));
      const committed = await readFile(join(demoModelFolder, '..', '..', 'model', file));
      expect(built.equals(committed), `${file} is a copy of model/${file}`).toBe(true);
    }
  });

  it('gives the same folder from the ESM and the CommonJS build', async () => {
    // Paths in variables: the built files are not part of the type check.
    const esmBuild = '../dist/index.js';
    const cjsBuild = '../dist/index.cjs';
    const esm = (await import(esmBuild)) as { demoModelFolder: string };
    const cjs = createRequire(import.meta.url)(cjsBuild) as { demoModelFolder: string };
    expect(esm.demoModelFolder).toBe(demoModelFolder);
    expect(cjs.demoModelFolder).toBe(demoModelFolder);
  });

  it("tokenizes the reference prompts as Python's SentencePiece did", async () => {
    const tokenizer = createBgGpt2Tokenizer({
      sentencePieceModel: await readFile(join(demoModelFolder, 'spiece.model')),
      tokenizerConfig: JSON.parse(
        await readFile(join(demoModelFolder, 'tokenizer_config.json'), 'utf8'),
      ) as Record<string, unknown>,
    });
    for (const prompt of prompts) {
      expect(tokenizer.encode(prompt.text), prompt.name).toEqual(prompt.input_ids);
    }
    expect(tokenizer.encode('Ред\nред')).toContain(5); // <|n|>
  });
});

/** Greedy continuation of `ids` for `count` tokens with the KV cache; also the logits rows. */
async function greedy(model: Model, ids: number[], count: number) {
  const session = model.createSession();
  let logits = await session.prefill(ids);
  const tokens: number[] = [];
  const rows: Float32Array[] = [logits];
  for (;;) {
    tokens.push(argmax(logits));
    if (tokens.length === count) break;
    logits = await session.step(tokens.at(-1)!);
    rows.push(logits);
  }
  await session.dispose();
  return { tokens, rows };
}

describe('the npm package', () => {
  /** The built files that package.json's `files` leaves out of the published package. */
  async function unpublished(): Promise<string[]> {
    const manifest = JSON.parse(
      await readFile(join(demoModelFolder, '..', '..', 'package.json'), 'utf8'),
    ) as { files: string[] };
    return manifest.files
      .filter((entry) => entry.startsWith('!dist/model/'))
      .map((entry) => entry.slice('!dist/model/'.length));
  }

  it('ships the checkpoint with the int8 and q8 files only (fp32, fp16, q4 are made on use)', async () => {
    expect((await unpublished()).sort()).toEqual(
      [demoModelOnnxFiles.fp32, demoModelOnnxFiles.fp16, demoModelOnnxFiles.q4].sort(),
    );
  });

  it('works as published: fp32 converted from the checkpoint on first use, as PyTorch', async () => {
    const left = await unpublished();
    const folder = await mkdtemp(join(tmpdir(), 'bg-gpt2-demo-published-'));
    try {
      for (const file of demoModelFiles) {
        if (!left.includes(file)) await copyFile(join(demoModelFolder, file), join(folder, file));
      }
      const phases = new Set<string>();
      const model = await loadModel(folder, {
        ...options,
        dtype: 'fp32',
        cacheDirectory: join(folder, '.cache'),
        onProgress: ({ phase }) => phases.add(phase),
      });
      try {
        expect(phases.has('convert')).toBe(true);
        const prompt = prompts[0];
        const { tokens } = await greedy(model, prompt.input_ids, prompt.greedy.length);
        expect(tokens).toEqual(prompt.greedy);
      } finally {
        await model.dispose();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('fp32 against PyTorch', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(demoModelFolder, { ...options, dtype: 'fp32' });
  });
  afterAll(async () => {
    await model.dispose();
  });

  it('loads the built ONNX file (no conversion at load time) with the tokenizer files', () => {
    expect(model.files['model.onnx']).toBe(join(demoModelFolder, 'model.onnx'));
    expect(model.tokenizerModel?.byteLength).toBeGreaterThan(0);
    expect(model.tokenizerConfig).toMatchObject({ keep_accents: true, do_lower_case: false });
    expect(model.config.vocabularySize).toBe(8000);
  });

  it('matches the reference logits within 1e-4 at every recorded step', async () => {
    for (const prompt of prompts) {
      const session = model.createSession();
      const prefill = await session.prefill(prompt.input_ids);
      expect(maxAbsDifference(prefill, prompt.prefill_logits), prompt.name).toBeLessThanOrEqual(
        1e-4,
      );
      for (const step of prompt.steps) {
        const logits = await session.step(step.input_id);
        expect(
          maxAbsDifference(logits, step.logits),
          `${prompt.name} @${step.position}`,
        ).toBeLessThanOrEqual(1e-4);
        expect(argmax(logits)).toBe(step.argmax);
      }
      await session.dispose();
    }
  });

  it('continues every prompt greedily exactly as PyTorch does', async () => {
    for (const prompt of prompts) {
      const { tokens } = await greedy(model, prompt.input_ids, prompt.greedy.length);
      expect(tokens, prompt.name).toEqual(prompt.greedy);
    }
  });

  it('gives the PyTorch validation NLL on the first windows', async () => {
    const { reference, ids } = await readValidation();
    const length = reference.window_length;
    const vocabulary = model.config.vocabularySize;
    const windows = 6;
    const rows = Array.from({ length: windows }, (_, window) =>
      Array.from(ids.subarray(window * length, (window + 1) * length)),
    );
    const session = model.createSession();
    const logits = await session.logitsAll(rows);
    await session.dispose();
    for (let window = 0; window < windows; window++) {
      let sum = 0;
      for (let position = 0; position < length - 1; position++) {
        const offset = (window * length + position) * vocabulary;
        sum += negativeLogLikelihood(logits, offset, vocabulary, rows[window][position + 1]);
      }
      expect(Math.abs(sum - reference.window_nll_sums[window])).toBeLessThan(
        1e-5 * reference.window_nll_sums[window] + 1e-3,
      );
    }
  });
});

/**
 * Quantized models are not expected to reproduce fp32 exactly. They are checked on the fp32
 * greedy paths (teacher forcing): their top-1 token must agree with PyTorch's at most positions,
 * and the logits must stay close. Their own greedy continuations are printed for the record.
 */
const lowerPrecision: { dtype: DemoModelDataType; agreement: number; logitError: number }[] = [
  { dtype: 'fp16', agreement: 0.95, logitError: 0.02 },
  { dtype: 'q8', agreement: 0.9, logitError: 0.3 },
  { dtype: 'int8', agreement: 0.85, logitError: 0.5 },
  { dtype: 'q4', agreement: 0.75, logitError: 1.5 },
];

describe.each(lowerPrecision)('$dtype', ({ dtype, agreement, logitError }) => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(demoModelFolder, { ...options, dtype });
  });
  afterAll(async () => {
    await model.dispose();
  });

  it(`loads ${demoModelOnnxFiles[dtype]} from the folder`, () => {
    expect(model.files[demoModelOnnxFiles[dtype]]).toBe(
      join(demoModelFolder, demoModelOnnxFiles[dtype]),
    );
  });

  it('agrees with the fp32 greedy path on most tokens', async () => {
    const vocabulary = model.config.vocabularySize;
    let agreed = 0;
    let total = 0;
    let largestError = 0;
    for (const prompt of prompts) {
      const path = [...prompt.input_ids, ...prompt.greedy.slice(0, -1)];
      const session = model.createSession();
      const logits = await session.logitsAll(path);
      await session.dispose();
      for (let index = 0; index < prompt.greedy.length; index++) {
        const position = prompt.input_ids.length - 1 + index;
        if (argmax(logits, position * vocabulary, vocabulary) === prompt.greedy[index]) agreed++;
        total++;
      }
      const last = prompt.input_ids.length - 1;
      largestError = Math.max(
        largestError,
        maxAbsDifference(
          logits.subarray(last * vocabulary, (last + 1) * vocabulary),
          prompt.prefill_logits,
        ),
      );
      const own = await greedy(model, prompt.input_ids, prompt.greedy.length);
      const same = own.tokens.findIndex((token, index) => token !== prompt.greedy[index]);
      console.log(
        `${dtype} ${prompt.name}: greedy ${same === -1 ? 'identical to fp32' : `departs from fp32 at token ${same}`}: ${own.tokens.join(' ')}`,
      );
    }
    console.log(
      `${dtype}: top-1 agreement on the fp32 greedy paths ${agreed}/${total}, prefill max |Δ| ${largestError.toFixed(4)}`,
    );
    expect(agreed / total).toBeGreaterThanOrEqual(agreement);
    expect(largestError).toBeLessThan(logitError);
  });
});
