import { ConvertError } from '../errors.js';
import type { StateDict } from '../tensor.js';
import { PickleGlobal } from './pickle/allowed-globals.js';
import { describePythonValue, isInteger, isTuple } from './pickle/python-values.js';
import {
  type StorageDataType,
  StorageReference,
  storageElementSize,
  TensorReference,
} from './pickle/torch-references.js';
import { unpickle } from './pickle/unpickler.js';
import { plainView } from './plain-bytes.js';
import { tensorFromStorage } from './tensor-from-storage.js';
import { looksLikeZipArchive, ZipArchive } from './zip-archive.js';

/** Options of {@link readTorchCheckpoint}. */
export interface ReadTorchCheckpointOptions {
  /**
   * Also check the CRC-32 of every tensor record of a zip checkpoint (one extra pass over the
   * bytes). The pickle's own record is always checked. Default false.
   */
  verifyChecksums?: boolean;
}

/** `0x1950a86a20f9469cfc6c`, the first pickle of a legacy (pre-zip) `torch.save` file. */
const legacyMagicNumber = 0x1950a86a20f9469cfc6cn;
const legacyProtocolVersion = 1001;

function invalid(what: string, advice = 'The file is truncated or corrupt; download it again.') {
  return new ConvertError(
    'CHECKPOINT_INVALID',
    `Not a readable PyTorch checkpoint: ${what}. ${advice}`,
  );
}

/**
 * Reads a `torch.save` state dict (`pytorch_model.bin`) from its bytes, in either format:
 *
 * - zip (torch ≥ 1.6): `<folder>/data.pkl` plus one `<folder>/data/<key>` record per storage,
 *   whatever the folder is called;
 * - legacy (`_use_new_zipfile_serialization=False`): magic number, protocol version, system
 *   info and the state dict pickles, the storage keys, then each storage's element count and
 *   bytes.
 *
 * The pickle goes through a safe unpickler (only the globals a state dict needs; nothing is
 * executed). Contiguous tensors are views of `bytes` (no copy); strided views are copied into
 * contiguous tensors. Every size is checked against the bytes present before anything is
 * allocated. Big-endian checkpoints are refused.
 *
 * @throws ConvertError `CHECKPOINT_INVALID` for a truncated, corrupt or unsupported file;
 *   `PICKLE_REFUSED` for a pickle that asks for any other Python global.
 */
export function readTorchCheckpoint(
  bytes: Uint8Array,
  options: ReadTorchCheckpointOptions = {},
): StateDict {
  bytes = plainView(bytes);
  if (looksLikeZipArchive(bytes)) return readZipCheckpoint(bytes, options);
  if (bytes.length > 0 && bytes[0] === 0x80) return readLegacyCheckpoint(bytes);
  if (looksLikeSafetensors(bytes)) {
    throw invalid(
      'this is a safetensors file, not a torch.save one',
      'Read it with readSafetensors (or name it model.safetensors).',
    );
  }
  if (bytes.length >= 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') {
    throw invalid(
      'this is the tar format of torch < 0.4',
      'Load it with torch and save it again with a current version.',
    );
  }
  throw invalid(
    'it is neither a zip archive nor a pickle (wrong first bytes)',
    'Check that this is the pytorch_model.bin of the model, not an HTML page or a Git LFS pointer; download it again.',
  );
}

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9 || bytes[8] !== 0x7b) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getBigUint64(0, true) < BigInt(bytes.length);
}

// ---- persistent ids ----

function storageDataType(tag: unknown): StorageDataType {
  if (
    tag instanceof PickleGlobal &&
    (tag.meaning.kind === 'storage-type' || tag.meaning.kind === 'data-type')
  ) {
    return tag.meaning.dataType;
  }
  throw invalid(`a storage whose type is ${describePythonValue(tag)}, not a torch storage type`);
}

function nonNegativeInteger(value: unknown, what: string): number {
  if (!isInteger(value) || typeof value === 'bigint' || value < 0) {
    throw invalid(`${what} is ${String(value)}, not a non-negative integer below 2^53`);
  }
  return value;
}

/** Reads `('storage', storage_type, key, location, numel[, view_metadata])`. */
function parseStorageId(persistentId: unknown, legacy: boolean): StorageReference {
  const expectedLength = legacy ? 6 : 5;
  if (!isTuple(persistentId) || persistentId[0] !== 'storage') {
    throw invalid(`a persistent id ${describePythonValue(persistentId)} that is not a storage`);
  }
  if (persistentId.length !== expectedLength) {
    throw invalid(
      `a storage persistent id of ${persistentId.length} items instead of ${expectedLength}`,
    );
  }
  const [, type, key, location, numel, viewMetadata] = persistentId;
  const dataType = storageDataType(type);
  if (typeof key !== 'string' || typeof location !== 'string') {
    throw invalid('a storage persistent id whose key or location is not a string');
  }
  const elementCount = nonNegativeInteger(numel, `the element count of storage ${key}`);
  if (!legacy || viewMetadata === null || viewMetadata === undefined) {
    return new StorageReference(key, dataType, location, elementCount);
  }
  if (!isTuple(viewMetadata) || viewMetadata.length !== 3 || typeof viewMetadata[0] !== 'string') {
    throw invalid(`storage ${key} has view metadata ${describePythonValue(viewMetadata)}`);
  }
  const offset = nonNegativeInteger(viewMetadata[1], `the view offset of storage ${key}`);
  const viewSize = nonNegativeInteger(viewMetadata[2], `the view size of storage ${key}`);
  return new StorageReference(key, dataType, location, elementCount, {
    key: viewMetadata[0],
    offset,
    elementCount: viewSize,
  });
}

/** Makes a persistent-load function that gives one reference per storage key. */
function storageRegistry(legacy: boolean) {
  const storages = new Map<string, StorageReference>();
  const persistentLoad = (persistentId: unknown): StorageReference => {
    const storage = parseStorageId(persistentId, legacy);
    let root = storages.get(storage.key);
    if (!root) {
      const { key, dataType, location, elementCount } = storage;
      root = new StorageReference(key, dataType, location, elementCount);
      storages.set(key, root);
    } else if (root.dataType !== storage.dataType || root.elementCount !== storage.elementCount) {
      throw invalid(`storage ${storage.key} is described twice, differently`);
    }
    return storage.view ? storage : root;
  };
  return { storages, persistentLoad };
}

// ---- the state dict ----

/** The state dict's entries: the top-level dict, or the one under `state_dict` / `model`. */
function stateDictEntries(value: unknown): Map<unknown, unknown> {
  if (!(value instanceof Map)) {
    throw invalid(
      `the pickle holds ${describePythonValue(value)}, not a state dict`,
      'Save the model with torch.save(model.state_dict(), path) (or save_pretrained).',
    );
  }
  const hasTensor = [...value.values()].some((entry) => entry instanceof TensorReference);
  if (!hasTensor) {
    for (const wrapper of ['state_dict', 'model']) {
      const inner = value.get(wrapper);
      if (inner instanceof Map) return inner;
    }
  }
  return value;
}

function materialize(
  value: unknown,
  storageBytes: (storage: StorageReference) => Uint8Array,
  fileLength: number,
): StateDict {
  const result: StateDict = new Map();
  for (const [key, entry] of stateDictEntries(value)) {
    if (!(entry instanceof TensorReference)) continue; // e.g. an epoch counter next to tensors
    if (typeof key !== 'string') {
      throw invalid(`a tensor stored under ${describePythonValue(key)} instead of a name`);
    }
    const storage = entry.storage;
    const data = storageBytes(storage);
    result.set(key, tensorFromStorage(key, data, storage.dataType, entry, fileLength));
  }
  return result;
}

/** `numel * elementSize`, checked against `available` bytes before anything is allocated. */
function storageByteLength(storage: StorageReference, available: number, where: string): number {
  const byteLength = storage.elementCount * storageElementSize[storage.dataType];
  if (!Number.isSafeInteger(byteLength) || byteLength > available) {
    throw invalid(
      `storage ${storage.key} claims ${storage.elementCount} ${storage.dataType} elements (${byteLength} bytes) but ${where} holds ${available} bytes`,
    );
  }
  return byteLength;
}

// ---- zip format ----

function readZipCheckpoint(bytes: Uint8Array, options: ReadTorchCheckpointOptions): StateDict {
  const archive = ZipArchive.fromBytes(bytes);
  const pickles = archive.entries.filter(
    (entry) => entry.name === 'data.pkl' || entry.name.endsWith('/data.pkl'),
  );
  if (pickles.length === 0) {
    if (archive.entries.some((entry) => /(^|\/)constants\.pkl$/.test(entry.name))) {
      throw invalid(
        'this is a TorchScript archive (torch.jit.save), not a state dict',
        'Save the weights with torch.save(model.state_dict(), path).',
      );
    }
    throw invalid('the zip archive has no data.pkl record');
  }
  const pickleEntry = pickles.reduce((best, entry) =>
    entry.name.length < best.name.length ? entry : best,
  );
  const folder = pickleEntry.name.slice(0, -'data.pkl'.length);

  const byteOrder = archive.entry(`${folder}byteorder`);
  if (byteOrder) {
    const order = new TextDecoder().decode(archive.read(byteOrder)).trim();
    if (order !== 'little') {
      throw invalid(
        `the checkpoint was saved on a ${order}-endian machine`,
        'Load it with torch on any machine and save it again; only little-endian checkpoints are read.',
      );
    }
  }

  const { persistentLoad } = storageRegistry(false);
  const { value } = unpickle(archive.read(pickleEntry, { verifyChecksum: true }), {
    persistentLoad,
    source: pickleEntry.name,
  });

  const records = new Map<string, Uint8Array>();
  return materialize(
    value,
    (storage) => {
      const cached = records.get(storage.key);
      if (cached) return cached;
      const name = `${folder}data/${storage.key}`;
      const entry = archive.entry(name);
      if (!entry) throw invalid(`the record ${name} of storage ${storage.key} is missing`);
      const byteLength = storageByteLength(storage, entry.size, `its record ${name}`);
      const record = archive
        .read(entry, { verifyChecksum: options.verifyChecksums ?? false })
        .subarray(0, byteLength);
      records.set(storage.key, record);
      return record;
    },
    bytes.length,
  );
}

// ---- legacy format ----

function readLegacyCheckpoint(bytes: Uint8Array): StateDict {
  const magic = unpickle(bytes, { source: 'the magic number pickle' });
  if (magic.value !== legacyMagicNumber) {
    throw invalid(
      'it starts with a pickle but not with the torch.save magic number',
      'This is a plain pickle, not a torch.save file; only state dicts saved with torch.save are read.',
    );
  }
  const protocol = unpickle(bytes, { start: magic.end, source: 'the protocol version pickle' });
  if (protocol.value !== legacyProtocolVersion) {
    throw invalid(`unknown legacy protocol version ${String(protocol.value)}`);
  }
  const systemInfo = unpickle(bytes, { start: protocol.end, source: 'the system info pickle' });
  if (systemInfo.value instanceof Map && systemInfo.value.get('little_endian') === false) {
    throw invalid(
      'the checkpoint was saved on a big-endian machine',
      'Load it with torch on any machine and save it again; only little-endian checkpoints are read.',
    );
  }
  const { storages, persistentLoad } = storageRegistry(true);
  const main = unpickle(bytes, {
    start: systemInfo.end,
    persistentLoad,
    source: 'the state dict pickle',
  });
  const keyList = unpickle(bytes, { start: main.end, source: 'the storage key pickle' });
  if (!Array.isArray(keyList.value) || !keyList.value.every((key) => typeof key === 'string')) {
    throw invalid('the storage key list is not a list of strings');
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records = new Map<string, Uint8Array>();
  let position = keyList.end;
  for (const key of keyList.value as string[]) {
    const storage = storages.get(key);
    if (!storage) throw invalid(`the storage key list names ${key}, which no tensor uses`);
    if (records.has(key)) throw invalid(`the storage key list names ${key} twice`);
    if (position + 8 > bytes.length) throw invalid(`the data of storage ${key} is missing`);
    const recordCount = view.getBigInt64(position, true);
    position += 8;
    if (recordCount !== BigInt(storage.elementCount)) {
      throw invalid(
        `storage ${key} has ${recordCount} elements in the file but ${storage.elementCount} in the pickle`,
      );
    }
    const byteLength = storageByteLength(storage, bytes.length - position, 'the rest of the file');
    records.set(key, bytes.subarray(position, position + byteLength));
    position += byteLength;
  }

  return materialize(
    main.value,
    (storage) => {
      const root = records.get(storage.key);
      if (!root) throw invalid(`storage ${storage.key} has no data in the file`);
      if (!storage.view) return root;
      const elementSize = storageElementSize[storage.dataType];
      const start = storage.view.offset * elementSize;
      const end = start + storage.view.elementCount * elementSize;
      if (end > root.length) {
        throw invalid(
          `the storage view ${storage.view.key} reaches past its storage ${storage.key}`,
        );
      }
      return root.subarray(start, end);
    },
    bytes.length,
  );
}
