import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  convertGpt2ToOnnx,
  normalizeGpt2StateDict,
  readCheckpointFolder,
} from '@bg-gpt2/convert/node';
import { demoModelFolder } from '@bg-gpt2/demo-model';

const packageFolder = join(dirname(fileURLToPath(import.meta.url)), '..');
const repository = join(packageFolder, '..', '..');

/** The dtype the Node-side tests load and the tiny fixture is converted to (`model.onnx`). */
export const testDataType = 'fp32';

/**
 * The model the tests run on: the trained demo model of `@bg-gpt2/demo-model` (its build writes
 * the ONNX files). `tinyModelFolder()` here instead runs them on the tiny fixture.
 */
export async function modelFolder(): Promise<string> {
  return demoModelFolder;
}

/**
 * The tiny fixture (packages/convert/fixtures/tiny-gpt2, 2 layers, 1000 tokens, random weights)
 * converted to fp32 with the char-level test tokenizer as spiece.model, made once into
 * .test-model/. Its text never ends a line: the tests use it where requests must run long.
 */
export async function tinyModelFolder(): Promise<string> {
  const folder = join(packageFolder, '.test-model', 'tiny-fp32');
  const marker = join(folder, 'model.onnx');
  if (await exists(marker)) return folder;
  const building = `${folder}.${process.pid}.${Date.now()}.part`;
  await mkdir(building, { recursive: true });
  const checkpoint = join(repository, 'packages/convert/fixtures/tiny-gpt2');
  const { config, stateDict } = await readCheckpointFolder(checkpoint);
  const converted = convertGpt2ToOnnx(normalizeGpt2StateDict(stateDict, config), config, {
    dtype: testDataType,
  });
  await writeFile(join(building, 'model.onnx'), Buffer.concat(converted.chunks));
  await copyFile(join(checkpoint, 'config.json'), join(building, 'config.json'));
  await copyFile(
    join(repository, 'packages/tokenizer/fixtures/models/char.model'),
    join(building, 'spiece.model'),
  );
  try {
    await rename(building, folder);
  } catch (error) {
    // Another test process made it first.
    await rm(building, { recursive: true, force: true });
    if (!(await exists(marker))) throw error;
  }
  return folder;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
