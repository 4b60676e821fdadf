import { ConvertError } from '../errors.js';
import { bytesPerElement, type DataType, type StateDict } from '../tensor.js';
import { plainView } from './plain-bytes.js';

/** The largest header accepted, as in the reference `safetensors` library (100 MB). */
export const maximumSafetensorsHeaderLength = 100_000_000;

const dataTypes: Record<string, DataType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

function invalid(what: string): ConvertError {
  return new ConvertError(
    'CHECKPOINT_INVALID',
    `Not a readable safetensors file: ${what}. The file is truncated or corrupt; download it again.`,
  );
}

interface HeaderEntry {
  name: string;
  dtype: DataType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown, dataLength: number): HeaderEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`the header entry of ${name} is not an object`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw invalid(`${name} has no dtype`);
  const dataType = Object.hasOwn(dataTypes, dtype) ? dataTypes[dtype] : undefined;
  if (!dataType) {
    throw new ConvertError(
      'CHECKPOINT_INVALID',
      `The safetensors tensor ${name} has dtype ${JSON.stringify(dtype)}, which @bg-gpt2/convert does not read (it reads ${Object.keys(dataTypes).join(', ')}). Save the weights as float32, float16 or bfloat16.`,
    );
  }
  if (
    !Array.isArray(shape) ||
    !shape.every((size) => typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)
  ) {
    throw invalid(`${name} has a shape that is not a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((offset) => typeof offset === 'number' && Number.isSafeInteger(offset))
  ) {
    throw invalid(`${name} has data_offsets that are not two integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin < 0 || end < begin || end > dataLength) {
    throw invalid(
      `${name} has data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data section`,
    );
  }
  let expected = bytesPerElement[dataType];
  for (const size of shape as number[]) expected *= size;
  if (expected !== end - begin) {
    throw invalid(
      `${name} (${dtype} [${shape}]) needs ${expected} bytes but its data_offsets span ${end - begin}`,
    );
  }
  return { name, dtype: dataType, shape: shape as number[], begin, end };
}

/**
 * Reads a `.safetensors` file from its bytes: an 8-byte little-endian header length, a JSON
 * header (`{name: {dtype, shape, data_offsets}}`, `__metadata__` ignored), then the data.
 * Tensors are views of `bytes` (no copy), in the header's order.
 *
 * Checked: the header length (at most the file and 100 MB), the JSON, each dtype
 * (F32, F16, BF16, F64, I64, I32, I8, U8, BOOL), shape and byte span, and that the tensors'
 * spans neither overlap nor leave gaps in the data section.
 *
 * @throws ConvertError `CHECKPOINT_INVALID` for anything else.
 */
export function readSafetensors(input: Uint8Array): StateDict {
  const bytes = plainView(input);
  if (bytes.length < 8)
    throw invalid(`only ${bytes.length} bytes, too short for the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(maximumSafetensorsHeaderLength)) {
    throw invalid(`a header length of ${headerLength} bytes (at most 100 MB is accepted)`);
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    throw invalid(`a header length of ${headerLength} bytes in a ${bytes.length}-byte file`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
    if (!text.startsWith('{')) throw new Error('the header does not start with {');
    header = JSON.parse(text);
  } catch (cause) {
    throw new ConvertError(
      'CHECKPOINT_INVALID',
      `Not a readable safetensors file: its header is not a JSON object (${(cause as Error).message}). The file is truncated or corrupt; download it again.`,
      { cause },
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw invalid('its header is not a JSON object');
  }

  const dataLength = bytes.length - dataStart;
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    entries.push(parseEntry(name, value, dataLength));
  }

  const byOffset = [...entries].sort(
    (left, right) => left.begin - right.begin || left.end - right.end,
  );
  let covered = 0;
  for (const entry of byOffset) {
    if (entry.begin !== covered) {
      throw invalid(
        entry.begin < covered
          ? `${entry.name} overlaps another tensor (bytes ${entry.begin}–${entry.end})`
          : `a gap of unused bytes ${covered}–${entry.begin} before ${entry.name}`,
      );
    }
    covered = entry.end;
  }
  if (covered !== dataLength) {
    throw invalid(`the tensors cover ${covered} of the ${dataLength} data bytes`);
  }

  const result: StateDict = new Map();
  for (const entry of entries) {
    result.set(entry.name, {
      dtype: entry.dtype,
      shape: entry.shape,
      data: bytes.subarray(dataStart + entry.begin, dataStart + entry.end),
    });
  }
  return result;
}
