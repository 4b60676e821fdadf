/**
 * A plain `Uint8Array` over the same memory (no copy). Node's `Buffer` is a `Uint8Array` whose
 * `slice()` does not copy; readers call this on their input so the tensors they return behave
 * the same in Node and in browsers.
 */
export function plainView(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A fresh copy of `bytes` in its own, aligned `ArrayBuffer` (whatever subclass `bytes` is). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}
