import type { ModelDataType } from '@bg-gpt2/runtime';
import { prepareModel } from '@bg-gpt2/runtime/node';
import type { CommandLine } from '../arguments.js';
import { CliError } from '../cli-error.js';
import { progressBars } from '../load-progress-bars.js';
import { modelSourceOptions } from '../model-source-options.js';

export const pullHelp = `bg-gpt2 pull <owner/name[@revision] | URL> [--dtype fp32|fp16|q8|int8|q4]

Downloads a model into the local cache (resuming interrupted downloads, checking sizes and
sha256), and converts its checkpoint to ONNX once, so later commands start at once and work
--offline.

Example:
  bg-gpt2 pull rmihaylov/gpt2-small-theseus-bg --dtype q8
`;

/** `bg-gpt2 pull`: download (and convert) into the cache. */
export async function pullCommand(commandLine: CommandLine): Promise<number> {
  const [source] = commandLine.positional;
  if (!source) throw new CliError('usage', `pull needs a model.\n\n${pullHelp}`);
  const dtype = (commandLine.flags.get('dtype') ?? 'fp32') as ModelDataType;
  const bars = progressBars();
  const prepared = await prepareModel(source, {
    ...modelSourceOptions(commandLine),
    dtype,
    onProgress: bars.onProgress,
  });
  bars.finish();
  process.stderr.write(`ready: ${prepared.modelPath}\n`);
  process.stdout.write(`${prepared.modelPath}\n`);
  return 0;
}
