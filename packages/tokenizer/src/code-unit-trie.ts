/**
 * A read-only trie over UTF-16 code units, built once from (key, value) pairs and laid out in
 * typed arrays: a direct table for the root's children and an open-addressing hash table for
 * every other edge. Matching walks one code unit at a time with no allocation, which is what
 * the normalizer and the Viterbi search do millions of times per second.
 */
export class CodeUnitTrie {
  /** Child of the root for each code unit, or -1. */
  private readonly rootChildren: Int32Array;
  private readonly edgeParent: Int32Array;
  private readonly edgeUnit: Uint16Array;
  private readonly edgeChild: Int32Array;
  private readonly mask: number;
  /** The value stored at each node, or -1. */
  readonly values: Int32Array;
  /** The length, in code units, of the longest key. */
  readonly maxKeyLength: number;

  static readonly root = 0;

  constructor(entries: Iterable<readonly [string, number]>) {
    // First pass: a plain object trie, to count nodes and edges.
    const children: Map<number, number>[] = [new Map()];
    const values: number[] = [-1];
    let maxKeyLength = 0;
    for (const [key, value] of entries) {
      if (key.length === 0) continue;
      maxKeyLength = Math.max(maxKeyLength, key.length);
      let node = 0;
      for (let index = 0; index < key.length; index++) {
        const unit = key.charCodeAt(index);
        let next = children[node]!.get(unit);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          values.push(-1);
          children[node]!.set(unit, next);
        }
        node = next;
      }
      // The first value given for a key wins, as InsertIfNotPresent does in C++.
      if (values[node] === -1) values[node] = value;
    }
    this.maxKeyLength = maxKeyLength;
    this.values = Int32Array.from(values);
    this.rootChildren = new Int32Array(65536).fill(-1);
    for (const [unit, child] of children[0]!) this.rootChildren[unit] = child;

    let edgeCount = 0;
    for (let node = 1; node < children.length; node++) edgeCount += children[node]!.size;
    let capacity = 16;
    while (capacity < edgeCount * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.edgeParent = new Int32Array(capacity).fill(-1);
    this.edgeUnit = new Uint16Array(capacity);
    this.edgeChild = new Int32Array(capacity);
    for (let node = 1; node < children.length; node++) {
      for (const [unit, child] of children[node]!) {
        let slot = CodeUnitTrie.hash(node, unit) & this.mask;
        while (this.edgeParent[slot] !== -1) slot = (slot + 1) & this.mask;
        this.edgeParent[slot] = node;
        this.edgeUnit[slot] = unit;
        this.edgeChild[slot] = child;
      }
    }
  }

  private static hash(node: number, unit: number): number {
    return Math.imul(node ^ (unit << 16) ^ unit, 0x9e3779b1) >>> 7;
  }

  /** The child of `node` along `unit`, or -1 when there is none. */
  child(node: number, unit: number): number {
    if (node === 0) return this.rootChildren[unit]!;
    const mask = this.mask;
    let slot = CodeUnitTrie.hash(node, unit) & mask;
    for (;;) {
      const parent = this.edgeParent[slot]!;
      if (parent === -1) return -1;
      if (parent === node && this.edgeUnit[slot] === unit) return this.edgeChild[slot]!;
      slot = (slot + 1) & mask;
    }
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
      const value = this.values[node]!;
      if (value >= 0) found = { value, length: index + 1 - start };
    }
    return found;
  }

  /** Same as {@link longestMatch} over a string. */
  longestMatchInString(
    text: string,
    start: number,
  ): { value: number; length: number } | undefined {
    let node = 0;
    let found: { value: number; length: number } | undefined;
    for (let index = start; index < text.length; index++) {
      node = this.child(node, text.charCodeAt(index));
      if (node < 0) break;
      const value = this.values[node]!;
      if (value >= 0) found = { value, length: index + 1 - start };
    }
    return found;
  }
}
