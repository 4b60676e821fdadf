import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConvertError } from '../../src/errors.js';
import { readCheckpointFile, readCheckpointFolder } from '../../src/node.js';
import { float32Bytes, zipCheckpoint } from './builders/torch-builder.js';

const root = mkdtempSync(join(tmpdir(), 'bg-gpt2-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = JSON.stringify({
  model_type: 'gpt2',
  n_layer: 1,
  n_embd: 4,
  n_head: 2,
  vocab_size: 3,
  n_positions: 2,
});

function folder(name: string, files: Record<string, string | Uint8Array>): string {
  const path = join(root, name);
  mkdirSync(path);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(path, file), content);
  return path;
}

const torchFile = zipCheckpoint(
  [
    {
      key: 'w',
      storageKey: '0',
      storageType: 'FloatStorage',
      storageElements: 2,
      shape: [2],
      stride: [1],
    },
  ],
  { '0': float32Bytes([1, 2]) },
);
const safetensorsFile = (() => {
  const header = new TextEncoder().encode(
    JSON.stringify({ s: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }),
  );
  const bytes = new Uint8Array(8 + header.length + 4);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  bytes.set(float32Bytes([3]), 8 + header.length);
  return bytes;
})();

async function expectRejection(promise: Promise<unknown>, code: string, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConvertError);
  expect((error as ConvertError).code).toBe(code);
  expect((error as ConvertError).message).toMatch(message);
}

describe('readCheckpointFolder', () => {
  it('prefers model.safetensors, then pytorch_model.bin', async () => {
    const both = folder('both', {
      'config.json': config,
      'model.safetensors': safetensorsFile,
      'pytorch_model.bin': torchFile,
    });
    const fromSafetensors = await readCheckpointFolder(both);
    expect(fromSafetensors.source).toBe('model.safetensors');
    expect([...fromSafetensors.stateDict.keys()]).toEqual(['s']);
    expect(fromSafetensors.config.layerCount).toBe(1);

    const torchOnly = folder('torch', { 'config.json': config, 'pytorch_model.bin': torchFile });
    const fromTorch = await readCheckpointFolder(torchOnly);
    expect(fromTorch.source).toBe('pytorch_model.bin');
    expect([...fromTorch.stateDict.keys()]).toEqual(['w']);
  });

  it('says what it looked for', async () => {
    const empty = folder('empty', { 'config.json': config });
    await expectRejection(
      readCheckpointFolder(empty),
      'CHECKPOINT_NOT_FOUND',
      /No weights in .*empty: looked for model\.safetensors and pytorch_model\.bin/,
    );
    await expectRejection(
      readCheckpointFolder(join(root, 'nowhere')),
      'CONFIG_INVALID',
      /config\.json does not exist/,
    );
  });

  it('puts the path in front of config and weights errors', async () => {
    const badConfig = folder('bad-config', { 'config.json': '{', 'pytorch_model.bin': torchFile });
    await expectRejection(
      readCheckpointFolder(badConfig),
      'CONFIG_INVALID',
      /bad-config\/config\.json: .*not JSON/,
    );
    const badWeights = folder('bad-weights', {
      'config.json': config,
      'pytorch_model.bin': torchFile.subarray(0, 100),
    });
    await expectRejection(
      readCheckpointFolder(badWeights),
      'CHECKPOINT_INVALID',
      /bad-weights\/pytorch_model\.bin: Not a readable checkpoint archive/,
    );
  });
});

describe('readCheckpointFile', () => {
  it('reads either format by file name', async () => {
    const files = folder('files', { 'a.safetensors': safetensorsFile, 'b.bin': torchFile });
    expect([...(await readCheckpointFile(join(files, 'a.safetensors'))).keys()]).toEqual(['s']);
    expect([...(await readCheckpointFile(join(files, 'b.bin'))).keys()]).toEqual(['w']);
    await expectRejection(
      readCheckpointFile(join(files, 'c.bin')),
      'CHECKPOINT_NOT_FOUND',
      /c\.bin does not exist/,
    );
  });
});
