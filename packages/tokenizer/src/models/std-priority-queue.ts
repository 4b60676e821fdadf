/**
 * A binary heap that pops equal elements in exactly the order libstdc++'s
 * `std::priority_queue` does (same push_heap / __adjust_heap steps). The C++ library's n-best
 * search and BPE merges use that queue, so ties resolve the same way here.
 */
export class StdPriorityQueue<T> {
  #items: T[] = [];

  /** `less(a, b)` is true when `a` has lower priority than `b` (the top is the greatest). */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#items.length;
  }

  push(value: T): void {
    this.#items.push(value);
    this.#siftUp(this.#items.length - 1, 0, value);
  }

  top(): T {
    return this.#items[0]!;
  }

  pop(): T {
    const items = this.#items;
    const top = items[0]!;
    const last = items.length - 1;
    const value = items[last]!;
    items[last] = top;
    this.#adjust(0, last, value);
    items.pop();
    return top;
  }

  #siftUp(start: number, topIndex: number, value: T): void {
    const items = this.#items;
    let hole = start;
    let parent = Math.floor((hole - 1) / 2);
    while (hole > topIndex && this.less(items[parent]!, value)) {
      items[hole] = items[parent]!;
      hole = parent;
      parent = Math.floor((hole - 1) / 2);
    }
    items[hole] = value;
  }

  #adjust(holeStart: number, length: number, value: T): void {
    const items = this.#items;
    const topIndex = holeStart;
    let hole = holeStart;
    let child = hole;
    while (child < Math.floor((length - 1) / 2)) {
      child = 2 * (child + 1);
      if (this.less(items[child]!, items[child - 1]!)) child--;
      items[hole] = items[child]!;
      hole = child;
    }
    if ((length & 1) === 0 && child === Math.floor((length - 2) / 2)) {
      child = 2 * (child + 1);
      items[hole] = items[child - 1]!;
      hole = child - 1;
    }
    this.#siftUp(hole, topIndex, value);
  }
}
