import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConvertError,
  type ConvertErrorCode,
  type Gpt2Weights,
  normalizeGpt2StateDict,
  readGpt2Config,
  readSafetensors,
  readTorchCheckpoint,
  type StateDict,
  tensorToFloat32,
} from '../../src/index.js';
import { readCheckpointFolder } from '../../src/node.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
const fixture = (path: string) => join(fixtures, path);
const bytesOf = (path: string) => new Uint8Array(readFileSync(fixture(path)));
const pwned = '/tmp/bg-gpt2-pwned';

function read(path: string): StateDict {
  return path.endsWith('.safetensors')
    ? readSafetensors(bytesOf(path))
    : readTorchCheckpoint(bytesOf(path));
}

function float32Of(stateDict: StateDict): Map<string, Float32Array | Uint8Array> {
  const result = new Map<string, Float32Array | Uint8Array>();
  for (const [key, tensor] of stateDict) {
    const floating = ['float32', 'float16', 'bfloat16', 'float64'].includes(tensor.dtype);
    result.set(key, floating ? tensorToFloat32(key, tensor) : tensor.data);
  }
  return result;
}

function sameBytes(left: ArrayBufferView, right: ArrayBufferView): boolean {
  return Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(
    Buffer.from(right.buffer, right.byteOffset, right.byteLength),
  );
}

function expectSameStateDict(actual: StateDict, expected: StateDict) {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const left = float32Of(actual);
  const right = float32Of(expected);
  for (const [key, tensor] of expected) {
    expect(actual.get(key)!.shape, key).toEqual(tensor.shape);
    expect(actual.get(key)!.dtype, key).toBe(tensor.dtype);
    expect(sameBytes(left.get(key)!, right.get(key)!), key).toBe(true);
  }
}

function weightsOf(folder: string, file: string): Gpt2Weights {
  const config = readGpt2Config(readFileSync(fixture(`${folder}/config.json`), 'utf8'));
  return normalizeGpt2StateDict(read(`${folder}/${file}`), config);
}

function flatten(weights: Gpt2Weights): Map<string, Float32Array> {
  const result = new Map<string, Float32Array>();
  const walk = (value: unknown, path: string) => {
    if (value instanceof Float32Array) result.set(path, value);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`);
    }
  };
  walk(weights, '');
  return result;
}

describe('golden checkpoints made by torch (tooling/gpt2-fixtures/make-checkpoints.py)', () => {
  const reference = read('tiny-gpt2/pytorch_model.bin');

  it('reads the zip checkpoint torch.save wrote', () => {
    expect(reference.size).toBe(2 + 2 * 14 + 2);
    expect(reference.get('transformer.wte.weight')).toMatchObject({
      dtype: 'float32',
      shape: [1000, 64],
    });
    expect(reference.get('transformer.h.0.attn.bias')).toMatchObject({
      dtype: 'uint8',
      shape: [1, 1, 128, 128],
    });
    expect(reference.get('transformer.h.0.attn.masked_bias')).toMatchObject({
      dtype: 'float32',
      shape: [],
    });
    expect(reference.has('lm_head.weight')).toBe(false);
  });

  it.each([
    'tiny-gpt2/pytorch_model.renamed-archive.bin',
    'tiny-gpt2/pytorch_model.legacy.bin',
    'tiny-gpt2/model.safetensors',
    'tiny-gpt2-views/pytorch_model.bin',
  ])('%s gives the same state dict as pytorch_model.bin', (path) => {
    expectSameStateDict(read(path), reference);
  });

  it('uses views of the file for contiguous tensors and copies strided ones', () => {
    const bytes = bytesOf('tiny-gpt2-views/pytorch_model.bin');
    const views = readTorchCheckpoint(bytes);
    expect(views.get('transformer.wpe.weight')!.data.buffer).toBe(bytes.buffer);
    expect(views.get('transformer.h.0.mlp.c_proj.weight')!.data.buffer).toBe(bytes.buffer);
    expect(views.get('transformer.h.1.attn.c_attn.weight')!.data.buffer).not.toBe(bytes.buffer);
    expect(views.get('transformer.ln_f.weight')!.data.buffer).not.toBe(bytes.buffer);
  });

  it('reads straight from a Node Buffer, copying only unaligned legacy data', () => {
    const config = readGpt2Config(readFileSync(fixture('tiny-gpt2/config.json'), 'utf8'));
    for (const file of ['pytorch_model.bin', 'pytorch_model.legacy.bin', 'model.safetensors']) {
      const buffer = readFileSync(fixture(`tiny-gpt2/${file}`));
      const stateDict = file.endsWith('.safetensors')
        ? readSafetensors(buffer)
        : readTorchCheckpoint(buffer);
      const tensor = stateDict.get('transformer.wte.weight')!;
      expect(Object.getPrototypeOf(tensor.data)).toBe(Uint8Array.prototype);
      expect(tensor.data.buffer).toBe(buffer.buffer);
      const weights = normalizeGpt2StateDict(stateDict, config);
      expect(
        sameBytes(
          weights.tokenEmbedding.data,
          tensorToFloat32('wte', reference.get('transformer.wte.weight')!),
        ),
      ).toBe(true);
    }
  });

  it('the key layouts with and without "transformer." give the same weights', () => {
    const withPrefix = flatten(weightsOf('tiny-gpt2', 'pytorch_model.bin'));
    const withoutPrefix = flatten(weightsOf('tiny-gpt2', 'model.no-prefix.safetensors'));
    expect([...withoutPrefix.keys()]).toEqual([...withPrefix.keys()]);
    for (const [key, values] of withPrefix) {
      expect(sameBytes(withoutPrefix.get(key)!, values), key).toBe(true);
    }
  });

  it('ties the head of tiny-gpt2 and keeps the separate head of tiny-gpt2-untied', () => {
    expect(weightsOf('tiny-gpt2', 'pytorch_model.bin').languageModelHead).toBeUndefined();
    const untied = weightsOf('tiny-gpt2-untied', 'pytorch_model.bin');
    expect(untied.languageModelHead?.shape).toEqual([1000, 64]);
    expect(sameBytes(untied.languageModelHead!.data, untied.tokenEmbedding.data)).toBe(false);
  });

  it.each([
    ['tiny-gpt2-fp16', 'pytorch_model.bin', 'float16', 2 ** -11],
    ['tiny-gpt2-bf16', 'model.safetensors', 'bfloat16', 2 ** -8],
  ] as const)(
    '%s converts to float32 within rounding of the float32 model',
    (folder, file, dtype, relative) => {
      const stateDict = read(`${folder}/${file}`);
      expect(stateDict.get('transformer.wte.weight')!.dtype).toBe(dtype);
      const exact = flatten(weightsOf('tiny-gpt2', 'pytorch_model.bin'));
      const rounded = flatten(weightsOf(folder, file));
      for (const [key, values] of exact) {
        const other = rounded.get(key)!;
        expect(other.length, key).toBe(values.length);
        let worst = 0;
        for (let index = 0; index < values.length; index++) {
          const tolerance = Math.abs(values[index]!) * relative + 2 ** -24;
          worst = Math.max(worst, Math.abs(other[index]! - values[index]!) / tolerance);
        }
        expect(worst, key).toBeLessThanOrEqual(1);
      }
    },
  );

  it('reads the folders, preferring model.safetensors', async () => {
    const tied = await readCheckpointFolder(fixture('tiny-gpt2'));
    expect(tied.source).toBe('model.safetensors');
    expect(tied.config).toMatchObject({ layerCount: 2, embeddingSize: 64, headCount: 4 });
    expectSameStateDict(tied.stateDict, reference);
    const untied = await readCheckpointFolder(fixture('tiny-gpt2-untied'));
    expect(untied.source).toBe('pytorch_model.bin');
    expect(untied.config.tieWordEmbeddings).toBe(false);
  });
});

const hostile: [file: string, code: ConvertErrorCode, message?: RegExp][] = [
  ['os-system.bin', 'PICKLE_REFUSED', /"os\.system"/],
  ['os-system.legacy.bin', 'PICKLE_REFUSED', /"os\.system"/],
  ['posix-system.bin', 'PICKLE_REFUSED', /"posix\.system"/],
  ['builtins-eval.bin', 'PICKLE_REFUSED', /"builtins\.eval"/],
  ['stack-global-exec.bin', 'PICKLE_REFUSED', /"builtins\.exec"/],
  ['torch-other-global.bin', 'PICKLE_REFUSED', /"torch\.serialization\.load"/],
  ['truncated.bin', 'CHECKPOINT_INVALID', /end-of-central-directory/],
  ['storage-too-big.bin', 'CHECKPOINT_INVALID', /claims 1000000000000 float32 elements/],
  ['storage-lies.bin', 'CHECKPOINT_INVALID', /claims 17 float32 elements/],
  ['view-out-of-bounds.bin', 'CHECKPOINT_INVALID', /reaches element 23 of a storage of 16/],
  ['missing-record.bin', 'CHECKPOINT_INVALID', /archive\/data\/5/],
  ['not-a-checkpoint.bin', 'CHECKPOINT_INVALID'],
  ['bad-dtype.safetensors', 'CHECKPOINT_INVALID', /"F33"/],
  ['bad-header.safetensors', 'CHECKPOINT_INVALID', /header length of 1000000/],
  ['huge-header-length.safetensors', 'CHECKPOINT_INVALID', /header length/],
  ['bad-json.safetensors', 'CHECKPOINT_INVALID', /not a JSON object/],
  ['bad-offsets.safetensors', 'CHECKPOINT_INVALID', /outside the 16-byte data section/],
  ['bad-offsets-overlap.safetensors', 'CHECKPOINT_INVALID', /overlaps/],
  ['bad-shape.safetensors', 'CHECKPOINT_INVALID', /needs 24 bytes/],
];

describe('hostile and broken files (tooling/gpt2-fixtures/make-hostile.py)', () => {
  it.each(hostile)('%s is refused with %s', (file, code, message) => {
    let error: unknown;
    try {
      read(`hostile/${file}`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConvertError);
    expect((error as ConvertError).code).toBe(code);
    if (message) expect((error as ConvertError).message).toMatch(message);
    expect(existsSync(pwned)).toBe(false);
  });
});
