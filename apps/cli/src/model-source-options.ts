import type { NodeLoadModelOptions } from '@bg-gpt2/runtime/node';
import type { CommandLine } from './arguments.js';

/** The model-source flags every command shares: --offline, --revision, --cache-dir, --endpoint. */
export function modelSourceOptions(commandLine: CommandLine): NodeLoadModelOptions {
  const options: NodeLoadModelOptions = {};
  const flags = commandLine.flags;
  if (flags.has('offline')) options.offline = true;
  const revision = flags.get('revision');
  if (typeof revision === 'string') options.revision = revision;
  const cache = flags.get('cache-dir');
  if (typeof cache === 'string') options.cacheDirectory = cache;
  const endpoint = flags.get('endpoint');
  if (typeof endpoint === 'string') options.endpoint = endpoint;
  return options;
}
