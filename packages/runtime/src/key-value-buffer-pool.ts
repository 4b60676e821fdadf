/** The element arrays of cached keys and values (float16 is stored as its 16 bits). */
export type KeyValueArray = Float32Array | Uint16Array;

/**
 * Key/value buffers that finished sessions leave for the next ones of the same model. A cache
 * that grows takes room for the whole context (tens of megabytes for the published model's
 * shape); allocating, zeroing and collecting that for every generation cost as much as 30 model
 * steps. One pool per {@link Model}; it holds at most `limit` buffers (two sessions' worth by
 * default) and lets go of them all on `drain`.
 */
export class KeyValueBufferPool {
  readonly #limit: number;
  #buffers: KeyValueArray[] = [];

  /** @param limit the most buffers kept. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Buffers kept now. */
  get size(): number {
    return this.#buffers.length;
  }

  /** A kept buffer of this type with at least `length` entries (the smallest such), or none. */
  take(length: number, type: 'float32' | 'float16'): KeyValueArray | undefined {
    let best = -1;
    for (let index = 0; index < this.#buffers.length; index++) {
      const buffer = this.#buffers[index]!;
      if (buffer.length < length || isFloat16(buffer) !== (type === 'float16')) continue;
      if (best < 0 || buffer.length < this.#buffers[best]!.length) best = index;
    }
    if (best < 0) return undefined;
    const [buffer] = this.#buffers.splice(best, 1);
    return buffer;
  }

  /** Keeps `buffers` for later (the largest ones when over the limit). */
  give(buffers: readonly KeyValueArray[]): void {
    for (const buffer of buffers) if (!this.#buffers.includes(buffer)) this.#buffers.push(buffer);
    if (this.#buffers.length > this.#limit) {
      this.#buffers.sort((left, right) => right.length - left.length);
      this.#buffers.length = this.#limit;
    }
  }

  /** Lets go of every buffer. */
  drain(): void {
    this.#buffers = [];
  }
}

function isFloat16(buffer: KeyValueArray): boolean {
  return buffer instanceof Uint16Array;
}
