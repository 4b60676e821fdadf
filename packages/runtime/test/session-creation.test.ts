import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/node.js';
import { rejection, temporaryFolder, tinyConfigPath, tinyOnnxPath } from './fixtures.js';

describe('a session ONNX Runtime will not create', () => {
  it('answers INVALID_ARGUMENT for bad session options, not a broken model', async () => {
    const folder = await temporaryFolder();
    await copyFile(tinyConfigPath, join(folder, 'config.json'));
    await copyFile(tinyOnnxPath, join(folder, 'model.onnx'));
    const error = await rejection(
      loadModel(folder, {
        tokenizer: false,
        sessionOptions: { extra: 'not an object' } as never,
      }),
    );
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(error.message).toMatch(/session options/);
    expect(error.message).not.toMatch(/Delete the file/);
  });

  it('answers MODEL_INVALID, with what to do, for a file that is not an ONNX model', async () => {
    const folder = await temporaryFolder();
    await copyFile(tinyConfigPath, join(folder, 'config.json'));
    await writeFile(join(folder, 'model.onnx'), 'this is not a protobuf');
    const error = await rejection(loadModel(folder, { tokenizer: false }));
    expect(error).toMatchObject({ code: 'MODEL_INVALID' });
    expect(error.message).toMatch(/Delete the file to download or convert it again/);
  });
});
