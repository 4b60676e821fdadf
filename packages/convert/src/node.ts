import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Gpt2Config, readGpt2Config } from './checkpoint/gpt2-config.js';
import { readSafetensors } from './checkpoint/safetensors.js';
import { readTorchCheckpoint } from './checkpoint/torch-checkpoint.js';
import { ConvertError } from './errors.js';
import type { StateDict } from './tensor.js';

export * from './index.js';

/** The weight files {@link readCheckpointFolder} looks for, in order of preference. */
export const checkpointFileNames = ['model.safetensors', 'pytorch_model.bin'] as const;

/** Which file a checkpoint folder's weights came from. */
export type CheckpointSource = (typeof checkpointFileNames)[number];

/** What {@link readCheckpointFolder} returns. */
export interface CheckpointFolder {
  config: Gpt2Config;
  stateDict: StateDict;
  source: CheckpointSource;
}

function isMissing(cause: unknown): boolean {
  const code = (cause as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** `fs.readFile` refuses files of 2 GiB and more; those are read in chunks into one buffer. */
const readFileLimit = 2 ** 31 - 1;
const chunkSize = 2 ** 30;

/** Reads a whole file into one `Uint8Array`, also past `readFile`'s 2 GiB limit. */
async function readWholeFile(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < readFileLimit) return await handle.readFile();
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(size);
    } catch (cause) {
      throw new ConvertError(
        'CHECKPOINT_NOT_FOUND',
        `${path} (${size} bytes) is larger than the biggest buffer this JavaScript engine can allocate. Use a float16 model.safetensors copy, or a newer Node.js.`,
        { cause },
      );
    }
    for (let offset = 0; offset < size; ) {
      const length = Math.min(chunkSize, size - offset);
      const { bytesRead } = await handle.read(bytes, offset, length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Rethrows a reader's error with the file's path in front of the message. */
function withPath(path: string, error: unknown): unknown {
  if (!(error instanceof ConvertError)) return error;
  return new ConvertError(error.code, `${path}: ${error.message}`, { cause: error });
}

/**
 * Reads one weights file: `*.safetensors` with the safetensors reader, anything else as a
 * `torch.save` checkpoint (zip or legacy). The file is read once; tensors are views of it.
 *
 * @throws ConvertError `CHECKPOINT_NOT_FOUND` when the file cannot be read, else the reader's
 *   error with the path in its message.
 */
export async function readCheckpointFile(path: string): Promise<StateDict> {
  let bytes: Uint8Array;
  try {
    bytes = await readWholeFile(path);
  } catch (cause) {
    if (cause instanceof ConvertError) throw cause;
    throw new ConvertError(
      'CHECKPOINT_NOT_FOUND',
      `The weights file ${path} ${isMissing(cause) ? 'does not exist' : 'cannot be read'}. Check the path.`,
      { cause },
    );
  }
  try {
    return path.endsWith('.safetensors') ? readSafetensors(bytes) : readTorchCheckpoint(bytes);
  } catch (error) {
    throw withPath(path, error);
  }
}

/**
 * Reads a Hugging Face model folder: `config.json` and the weights, preferring
 * `model.safetensors` over `pytorch_model.bin`. Each file is read once, and tensors are views
 * of its bytes where possible, so memory stays close to the file's size.
 *
 * @throws ConvertError `CONFIG_INVALID` / `CONFIG_UNSUPPORTED` for the config,
 *   `CHECKPOINT_NOT_FOUND` listing the files looked for when there are no weights, and the
 *   readers' errors (with the file's path) for a bad weights file.
 */
export async function readCheckpointFolder(folder: string): Promise<CheckpointFolder> {
  const configPath = join(folder, 'config.json');
  let configText: string;
  try {
    configText = await readFile(configPath, 'utf8');
  } catch (cause) {
    throw new ConvertError(
      'CONFIG_INVALID',
      `${configPath} ${isMissing(cause) ? 'does not exist' : 'cannot be read'}. A model folder needs the config.json that came with the weights.`,
      { cause },
    );
  }
  let config: Gpt2Config;
  try {
    config = readGpt2Config(configText);
  } catch (error) {
    throw withPath(configPath, error);
  }

  for (const source of checkpointFileNames) {
    const path = join(folder, source);
    let bytes: Uint8Array;
    try {
      bytes = await readWholeFile(path);
    } catch (cause) {
      if (cause instanceof ConvertError) throw cause;
      if (isMissing(cause)) continue;
      throw new ConvertError(
        'CHECKPOINT_NOT_FOUND',
        `${path} cannot be read. Check its permissions.`,
        {
          cause,
        },
      );
    }
    try {
      const stateDict =
        source === 'model.safetensors' ? readSafetensors(bytes) : readTorchCheckpoint(bytes);
      return { config, stateDict, source };
    } catch (error) {
      throw withPath(path, error);
    }
  }
  throw new ConvertError(
    'CHECKPOINT_NOT_FOUND',
    `No weights in ${folder}: looked for ${checkpointFileNames.join(' and ')}. Download the model's weights into the folder (sharded checkpoints with an *.index.json are not read yet).`,
  );
}
