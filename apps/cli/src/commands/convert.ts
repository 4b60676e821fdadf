import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type ModelDataType, onnxFileName } from '@bg-gpt2/runtime';
import { prepareModel } from '@bg-gpt2/runtime/node';
import type { CommandLine } from '../arguments.js';
import { CliError } from '../cli-error.js';
import { progressBars } from '../load-progress-bars.js';
import { modelSourceOptions } from '../model-source-options.js';

export const convertHelp = `bg-gpt2 convert <folder | URL | owner/name[@revision]> --out <folder> [--dtype fp32|fp16|q8|int8|q4]

Converts a GPT-2 checkpoint as its authors published it (config.json + pytorch_model.bin or
model.safetensors, plus spiece.model / tokenizer_config.json) to an ONNX model with a KV cache,
in pure JavaScript. The output folder is a complete model folder that --model accepts.

  --out <folder>     where to write (created; files are written atomically)
  --dtype <type>     fp32 (default) | fp16 (half size) | q8 (8-bit blocks, ~4x smaller; fastest
                     in Node) | int8 (per-channel, ~4x smaller; fastest in browsers) | q4 (4-bit)
  --kv-layout <kind> present (default: Hugging Face Optimum's present.* outputs, which
                     transformers.js and other ONNX GPT-2 runners read) | new (only this call's
                     keys/values as new_key_values.*, appended in place by @bg-gpt2/runtime:
                     faster at long contexts, read by @bg-gpt2/runtime only)
  --offline          use only the local cache for hub/URL sources
  --revision <rev>   hub branch, tag or commit (default main; or owner/name@rev)

Examples:
  bg-gpt2 convert rmihaylov/gpt2-small-theseus-bg --out models/theseus --dtype q8
  bg-gpt2 convert ./my-checkpoint --out ./my-checkpoint-onnx
`;

const modelFolderFiles = ['config.json', 'spiece.model', 'tokenizer_config.json', 'tokenizer.json'];

/** `bg-gpt2 convert`: checkpoint → ONNX model folder. */
export async function convertCommand(commandLine: CommandLine): Promise<number> {
  const [source] = commandLine.positional;
  const out = commandLine.flags.get('out');
  if (!source || typeof out !== 'string') {
    throw new CliError('usage', `convert needs a source and --out <folder>.\n\n${convertHelp}`);
  }
  const dtype = (commandLine.flags.get('dtype') ?? 'fp32') as ModelDataType;
  if (!['fp32', 'fp16', 'q8', 'int8', 'q4'].includes(dtype)) {
    throw new CliError(
      'usage',
      `--dtype must be fp32, fp16, q8, int8 or q4, not "${String(dtype)}".`,
    );
  }
  const layout = commandLine.flags.get('kv-layout') ?? 'present';
  if (layout !== 'present' && layout !== 'new') {
    throw new CliError('usage', `--kv-layout must be present or new, not "${String(layout)}".`);
  }
  const bars = progressBars();
  const options = {
    ...modelSourceOptions(commandLine),
    dtype,
    keyValueOutputs: layout,
    onProgress: bars.onProgress,
  } as const;
  // The tokenizer files are copied along when the source has them; a bare checkpoint converts too.
  const prepared = await prepareModel(source, options).catch(async (error: unknown) => {
    if ((error as { code?: string }).code !== 'MODEL_NOT_FOUND') throw error;
    return prepareModel(source, { ...options, tokenizer: false });
  });
  bars.finish();

  const target = resolve(out);
  await mkdir(target, { recursive: true });
  const copies: [string, string][] = [[prepared.modelPath, join(target, onnxFileName(dtype))]];
  for (const name of modelFolderFiles) {
    const path = prepared.files[name];
    if (path) copies.push([path, join(target, name)]);
  }
  for (const [from, to] of copies) {
    if (resolve(from) === resolve(to)) continue;
    const temporary = `${to}.${process.pid}.part`;
    try {
      await copyFile(from, temporary);
      await rename(temporary, to);
    } finally {
      await rm(temporary, { force: true });
    }
  }
  process.stderr.write(
    `wrote ${copies.map(([, to]) => basename(to)).join(', ')} to ${target}\n` +
      `run it: bg-gpt2 generate --model ${out} "Здравей,"\n`,
  );
  return 0;
}
