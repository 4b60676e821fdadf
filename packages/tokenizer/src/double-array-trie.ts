/**
 * A read-only double-array trie over UTF-16 code units.
 *
 * Code units are mapped to a dense alphabet (only those that occur in keys). Each node is three
 * consecutive int32s in one array — `[base, check, value]` — so a step touches one cache line:
 * `next = data[node] + code; ok = data[next + 1] === node + 1`, and the node's value sits right
 * beside. Node handles are offsets into that array; codes are pre-multiplied by the stride.
 * `check` and `value` are stored plus one, so a zero-filled array is an empty trie (no
 * initialisation pass). Built once from the sorted keys, with no intermediate node objects.
 */
export class DoubleArrayTrie {
  /** Dense code of each UTF-16 code unit times the node stride, 0 when no key contains it. */
  readonly codes = new Int32Array(65536);
  /** `[base, check, value]` per slot; see the class comment. */
  data: Int32Array;
  /** Number of keys stored. */
  readonly size: number;
  #alphabetSize = 0;
  #searchStart = 1;
  #used = 1;

  static readonly root = 0;
  static readonly stride = 3;

  constructor(entries: Iterable<readonly [string, number]>) {
    // The first value given for a duplicate key wins (as C++ InsertIfNotPresent does).
    const firstValue = new Map<string, number>();
    for (const [key, value] of entries)
      if (key.length > 0 && !firstValue.has(key)) firstValue.set(key, value);
    // The default sort compares UTF-16 code units, which is the order the build needs.
    const keys = [...firstValue.keys()].sort();
    const values = keys.map((key) => firstValue.get(key)!);
    this.size = keys.length;

    const dense = new Int32Array(65536);
    for (const key of keys)
      for (let index = 0; index < key.length; index++) dense[key.charCodeAt(index)] = 1;
    for (let unit = 0; unit < 65536; unit++) {
      if (dense[unit]) {
        dense[unit] = ++this.#alphabetSize;
        this.codes[unit] = dense[unit]! * DoubleArrayTrie.stride;
      }
    }

    const slots = Math.max(1024, keys.length * 3) + this.#alphabetSize + 1;
    this.data = new Int32Array(slots * DoubleArrayTrie.stride);
    this.data[1] = 1; // the root is its own parent (stored plus one), so slot 0 is taken
    if (keys.length > 0) this.#build(keys, values, dense);
    const length = (this.#used + this.#alphabetSize + 1) * DoubleArrayTrie.stride;
    this.data = this.data.slice(0, length);
  }

  get #slots(): number {
    return this.data.length / DoubleArrayTrie.stride;
  }

  #ensureSlots(needed: number): void {
    if (needed < this.#slots) return;
    let size = this.#slots;
    while (size <= needed) size *= 2;
    const data = new Int32Array(size * DoubleArrayTrie.stride);
    data.set(this.data);
    this.data = data;
  }

  /** Places every node, depth first, with an explicit stack (keys sorted, sharing prefixes). */
  #build(keys: string[], values: number[], dense: Int32Array): void {
    // Each task: slot of the node, key range [start, end) below it, depth.
    const stack: number[] = [0, 0, keys.length, 0];
    const childCodes: number[] = [];
    const childStarts: number[] = [];
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      let first = stack.pop()!;
      const slot = stack.pop()!;
      if (keys[first]!.length === depth) {
        this.data[slot * 3 + 2] = values[first]! + 1;
        first++;
      }
      if (first >= end) continue;
      childCodes.length = 0;
      childStarts.length = 0;
      for (let index = first; index < end; index++) {
        const code = dense[keys[index]!.charCodeAt(depth)]!;
        if (childCodes.length === 0 || childCodes[childCodes.length - 1] !== code) {
          childCodes.push(code);
          childStarts.push(index);
        }
      }
      childStarts.push(end);
      const base = this.#findBase(childCodes);
      const data = this.data;
      data[slot * 3] = base * 3;
      for (let child = 0; child < childCodes.length; child++) {
        const childSlot = base + childCodes[child]!;
        data[childSlot * 3 + 1] = slot * 3 + 1;
        stack.push(childSlot, childStarts[child]!, childStarts[child + 1]!, depth + 1);
      }
      this.#used = Math.max(this.#used, base + childCodes[childCodes.length - 1]! + 1);
    }
  }

  #isFree(slot: number): boolean {
    return this.data[slot * 3 + 1] === 0;
  }

  #findBase(codes: number[]): number {
    const firstCode = codes[0]!;
    let position = this.#searchStart;
    this.#ensureSlots(position + this.#alphabetSize + 1);
    while (!this.#isFree(position)) {
      position++;
      this.#ensureSlots(position + this.#alphabetSize + 1);
    }
    this.#searchStart = position;
    let occupied = 0;
    for (; ; position++) {
      this.#ensureSlots(position + this.#alphabetSize + 1);
      if (!this.#isFree(position)) {
        occupied++;
        continue;
      }
      const base = position - firstCode;
      if (base < 0) continue;
      let fits = true;
      for (let index = 1; index < codes.length; index++) {
        if (!this.#isFree(base + codes[index]!)) {
          fits = false;
          break;
        }
      }
      if (fits) {
        // Darts' heuristic: once the region before here is nearly full, stop searching it.
        if (occupied > 32) this.#searchStart = position;
        return base;
      }
    }
  }

  /** The child of `node` along `unit`, or -1 when there is none. */
  child(node: number, unit: number): number {
    const code = this.codes[unit]!;
    if (code === 0) return -1;
    const next = this.data[node]! + code;
    return this.data[next + 1] === node + 1 ? next : -1;
  }

  /** The value stored at `node` (a node handle from {@link child}), or -1. */
  value(node: number): number {
    return this.data[node + 2]! - 1;
  }

  /** The value of the longest key that is a prefix of `units[start..end)`, and its length. */
  longestMatch(
    units: ArrayLike<number>,
    start: number,
    end: number,
  ): { value: number; length: number } | undefined {
    let node = 0;
    let found: { value: number; length: number } | undefined;
    for (let index = start; index < end; index++) {
      node = this.child(node, units[index]!);
      if (node < 0) break;
      const value = this.data[node + 2]! - 1;
      if (value >= 0) found = { value, length: index + 1 - start };
    }
    return found;
  }

  /** Same as {@link longestMatch} over a string. */
  longestMatchInString(text: string, start: number): { value: number; length: number } | undefined {
    let node = 0;
    let found: { value: number; length: number } | undefined;
    for (let index = start; index < text.length; index++) {
      node = this.child(node, text.charCodeAt(index));
      if (node < 0) break;
      const value = this.data[node + 2]! - 1;
      if (value >= 0) found = { value, length: index + 1 - start };
    }
    return found;
  }
}
