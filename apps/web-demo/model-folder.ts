import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  convertGpt2ToOnnx,
  normalizeGpt2StateDict,
  readCheckpointFolder,
} from '@bg-gpt2/convert/node';
import { demoModelFolder } from '@bg-gpt2/demo-model';

const appFolder = dirname(fileURLToPath(import.meta.url));
const repository = join(appFolder, '..', '..');

/**
 * The model folder the page serves at `models/demo/` (it needs `model_int8.onnx` or `model.onnx`, `config.json` and
 * `spiece.model`): the trained demo model of `@bg-gpt2/demo-model`. `fixtureModelFolder` here
 * instead serves the tiny random-weight fixture.
 */
export const modelFolder: () => Promise<string> = async () => demoModelFolder;

/** What the page's footer says about the model it serves. */
export async function modelNote(): Promise<string> {
  return (await modelFolder()) === (await fixtureModelFolder())
    ? 'Тук се зарежда тестовият модел на проекта (случайни тегла): предложенията са безсмислени, но всичко останало работи като с истинския модел.'
    : 'Тук се зарежда демонстрационният модел на проекта: малък GPT-2 (3,4 милиона параметъра), обучен на български текстове от пакетите на Debian — той показва как работи елементът, не качеството на истинския модел.';
}

/**
 * The tiny fixture checkpoint of packages/convert (random weights: gibberish, but every mechanism
 * works) converted to fp32 once, into .model/, with the char-level test tokenizer.
 */
export async function fixtureModelFolder(): Promise<string> {
  const folder = join(appFolder, '.model', 'fixture');
  const marker = join(folder, 'model.onnx');
  if (await exists(marker)) return folder;
  const building = `${folder}.${process.pid}.part`;
  await mkdir(building, { recursive: true });
  const checkpoint = join(repository, 'packages/convert/fixtures/tiny-gpt2');
  const { config, stateDict } = await readCheckpointFolder(checkpoint);
  const converted = convertGpt2ToOnnx(normalizeGpt2StateDict(stateDict, config), config, {
    dtype: 'fp32',
  });
  await writeFile(join(building, 'model.onnx'), Buffer.concat(converted.chunks));
  await copyFile(join(checkpoint, 'config.json'), join(building, 'config.json'));
  await copyFile(
    join(repository, 'packages/tokenizer/fixtures/models/char.model'),
    join(building, 'spiece.model'),
  );
  await rm(folder, { recursive: true, force: true });
  await rename(building, folder);
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
