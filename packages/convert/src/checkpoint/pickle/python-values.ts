/**
 * How the unpickler represents Python values in JavaScript — plain data, never code:
 *
 * | Python | JavaScript |
 * | --- | --- |
 * | `None` | `null` |
 * | `bool` | `boolean` |
 * | `int` | `number` (exact up to 2^53), else `bigint` |
 * | `float` | `number` |
 * | `str` | `string` |
 * | `bytes` | `Uint8Array` |
 * | `tuple` | frozen array (see {@link isTuple}) |
 * | `list` | array |
 * | `dict`, `OrderedDict` | `Map` |
 * | allowed global | `PickleGlobal` |
 * | torch storage (persistent id) / tensor | `StorageReference` / `TensorReference` |
 */
export type PythonTuple = readonly unknown[];

/** Makes a Python tuple: a frozen array. */
export function makeTuple(items: unknown[]): PythonTuple {
  return Object.freeze(items);
}

/** Whether `value` is a Python tuple (a frozen array). */
export function isTuple(value: unknown): value is PythonTuple {
  return Array.isArray(value) && Object.isFrozen(value);
}

/** Whether `value` is a Python list (a mutable array). */
export function isList(value: unknown): value is unknown[] {
  return Array.isArray(value) && !Object.isFrozen(value);
}

/** Whether `value` is a Python int (a safe-integer `number` or a `bigint`). */
export function isInteger(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value));
}

/** A short description of a value's Python type, for error messages. */
export function describePythonValue(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'a bool';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'string') return 'a str';
  if (value instanceof Uint8Array) return 'bytes';
  if (isTuple(value)) return `a ${value.length}-tuple`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Map) return 'a dict';
  const name = (value as { constructor?: { name?: string } })?.constructor?.name;
  return name ? `a ${name}` : 'an object';
}
