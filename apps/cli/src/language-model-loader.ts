import { type ModelDataType, modelDataTypes } from '@bg-gpt2/runtime';
import { BgGpt2 } from 'bg-gpt2';
import type { CommandLine } from './arguments.js';
import { CliError } from './cli-error.js';
import { numberFlag, stringFlag } from './flag-values.js';
import { progressBars } from './load-progress-bars.js';
import { modelSourceOptions } from './model-source-options.js';

/** The model flags every model command shares, for the help texts. */
export const modelFlagsHelp = `Model:
  --model <source>     a model folder, an http(s) base URL or a hub id owner/name[@revision]
                       (default: rmihaylov/gpt2-small-theseus-bg when cached or reachable,
                       else the bundled demo model)
  --dtype <type>       fp32 (default) | fp16 | q8 | q4 — converted on first use and cached
  --threads <n>        CPU threads for ONNX Runtime (default: ONNX Runtime's choice)
  --offline            use only the local cache, never the network
  --revision <rev>     hub branch, tag or commit (default main)
  --cache-dir <dir>    the cache (default $BG_GPT2_CACHE, else $XDG_CACHE_HOME/bg-gpt2)
  --endpoint <url>     the hub (default $HF_ENDPOINT, else https://huggingface.co)
`;

/** Loads `--model` with the flags' options, with progress bars on stderr. */
export async function loadLanguageModel(commandLine: CommandLine): Promise<BgGpt2> {
  const source = stringFlag(commandLine, 'model');
  const dtype = (stringFlag(commandLine, 'dtype') ?? 'fp32') as ModelDataType;
  if (!modelDataTypes.includes(dtype)) {
    throw new CliError(
      'usage',
      `--dtype must be one of ${modelDataTypes.join(', ')}; got "${dtype}".`,
    );
  }
  const threads = numberFlag(commandLine, 'threads', { integer: true, minimum: 1 });
  const bars = progressBars();
  try {
    return await BgGpt2.load(source, {
      ...modelSourceOptions(commandLine),
      dtype,
      onProgress: bars.onProgress,
      onNotice: (message) => process.stderr.write(`bg-gpt2: ${message}\n`),
      ...(threads === undefined
        ? {}
        : { sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 } }),
    });
  } finally {
    bars.finish();
  }
}
