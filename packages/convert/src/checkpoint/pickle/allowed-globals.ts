import { ConvertError } from '../../errors.js';
import type { StorageDataType } from './torch-references.js';

/** What an allowed Python global means to the unpickler. Nothing here is ever executed. */
export type GlobalMeaning =
  /** `collections.OrderedDict`: builds a `Map`. */
  | { kind: 'ordered-dict' }
  /** `torch._utils._rebuild_tensor_v2`: builds a `TensorReference`. */
  | { kind: 'rebuild-tensor' }
  /** `torch._utils._rebuild_parameter[_with_state]`: unwraps the parameter's tensor. */
  | { kind: 'rebuild-parameter'; withState: boolean }
  /** `torch.FloatStorage` etc.: a storage type tag inside persistent ids. */
  | { kind: 'storage-type'; dataType: StorageDataType }
  /** `torch.float32` etc.: a dtype tag inside persistent ids (newer torch). */
  | { kind: 'data-type'; dataType: StorageDataType };

/** A Python global the pickle named and the allowlist accepted (`module.name` + meaning). */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly meaning: GlobalMeaning,
  ) {}

  /** `module.name`, as Python would print it. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

const storageTypes: Record<string, StorageDataType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const dataTypes: Record<string, StorageDataType> = {
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

const allowed = new Map<string, GlobalMeaning>([
  ['collections.OrderedDict', { kind: 'ordered-dict' }],
  ['torch._utils._rebuild_tensor_v2', { kind: 'rebuild-tensor' }],
  ['torch._utils._rebuild_parameter', { kind: 'rebuild-parameter', withState: false }],
  ['torch._utils._rebuild_parameter_with_state', { kind: 'rebuild-parameter', withState: true }],
  // Untyped storages hold bytes.
  ['torch.UntypedStorage', { kind: 'storage-type', dataType: 'uint8' }],
  ['torch.storage.UntypedStorage', { kind: 'storage-type', dataType: 'uint8' }],
  ['torch.storage.TypedStorage', { kind: 'storage-type', dataType: 'uint8' }],
  ...Object.entries(storageTypes).map(([name, dataType]): [string, GlobalMeaning] => [
    `torch.${name}`,
    { kind: 'storage-type', dataType },
  ]),
  ...Object.entries(dataTypes).map(([name, dataType]): [string, GlobalMeaning] => [
    `torch.${name}`,
    { kind: 'data-type', dataType },
  ]),
]);

/**
 * The allowed global `module.name`, or a `PICKLE_REFUSED` error naming it. The allowlist is the
 * handful of globals a PyTorch state dict pickle uses: `collections.OrderedDict`,
 * `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter[_with_state]`, the torch
 * storage classes and dtypes. Anything else (`os.system`, `builtins.eval`, …) is refused before
 * it could be called — and the unpickler never calls anything anyway.
 */
export function resolveGlobal(module: string, name: string): PickleGlobal {
  const meaning = allowed.get(`${module}.${name}`);
  if (!meaning) throw refusedGlobal(`${module}.${name}`);
  return new PickleGlobal(module, name, meaning);
}

/** The `PICKLE_REFUSED` error for a global outside the allowlist. */
export function refusedGlobal(qualifiedName: string): ConvertError {
  const shown = qualifiedName.length > 200 ? `${qualifiedName.slice(0, 200)}…` : qualifiedName;
  return new ConvertError(
    'PICKLE_REFUSED',
    `The checkpoint's pickle asks for the Python global ${JSON.stringify(shown)}, which a PyTorch state dict never uses (loaded with torch.load it could run code). Nothing was executed. Use a checkpoint from a source you trust, or a model.safetensors copy of it.`,
  );
}
