// Builds dist/model/: the committed checkpoint (model/) converted to ONNX by @bg-gpt2/convert in
// every dtype the package ships, plus copies of the checkpoint files, so that dist/model/ is a
// complete model folder. Run by `pnpm build` (after tsup, which empties dist/).
//
//   node scripts/build-model.mjs            # all dtypes
//   node scripts/build-model.mjs fp32 q8    # only some (for experiments; the package ships all five)
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  convertGpt2ToOnnx,
  normalizeGpt2StateDict,
  readCheckpointFolder,
} from '@bg-gpt2/convert/node';

const packageFolder = join(dirname(fileURLToPath(import.meta.url)), '..');
const checkpointFolder = join(packageFolder, 'model');
const outputFolder = join(packageFolder, 'dist', 'model');

// The dtypes and file names the package declares (dist/index.js: tsup has just built it).
const { demoModelOnnxFiles: onnxFiles, demoModelCheckpointFiles: checkpointFiles } = await import(
  '../dist/index.js'
);

/** Writes chunks to `path` through a temporary file, so a failed build leaves no half file. */
async function writeChunks(path, chunks) {
  const temporary = `${path}.${process.pid}.part`;
  const handle = await open(temporary, 'w');
  try {
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
        offset += bytesWritten;
      }
    }
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
}

const requested = process.argv.slice(2);
for (const dtype of requested) {
  if (!(dtype in onnxFiles)) {
    console.error(`unknown dtype "${dtype}"; use ${Object.keys(onnxFiles).join(', ')}`);
    process.exit(2);
  }
}
const dtypes = requested.length > 0 ? requested : Object.keys(onnxFiles);

const started = performance.now();
await mkdir(outputFolder, { recursive: true });
const { config, stateDict, source } = await readCheckpointFolder(checkpointFolder);
const weights = normalizeGpt2StateDict(stateDict, config);
const lines = [];
for (const dtype of dtypes) {
  const converted = convertGpt2ToOnnx(weights, config, { dtype });
  await writeChunks(join(outputFolder, onnxFiles[dtype]), converted.chunks);
  lines.push(
    `${onnxFiles[dtype].padEnd(22)} ${dtype.padEnd(5)} ${(converted.metadata.byteLength / 1e6).toFixed(1)} MB`,
  );
}
for (const file of checkpointFiles) {
  await copyFile(join(checkpointFolder, file), join(outputFolder, file));
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `demo model: converted model/${source} (${config.layerCount} layers, ${config.embeddingSize} wide, ` +
    `${config.vocabularySize} tokens) in ${seconds} s into dist/model/\n  ${lines.join('\n  ')}`,
);
