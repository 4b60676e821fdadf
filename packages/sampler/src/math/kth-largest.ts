/** Scratch space, reused across calls (selection is synchronous). */
let heap = new Float64Array(0);

/**
 * The k-th largest of the entries above `-Infinity` (`NaN` ignored), in one pass: a min-heap of
 * the k largest seen so far, where most entries cost one comparison with its root. `-Infinity`
 * when fewer than k entries are above `-Infinity`. For small k (top-k sampling's tens); a
 * histogram selection suits large k better.
 */
export function kthLargest(values: Float32Array, k: number): number {
  if (heap.length < k) heap = new Float64Array(k);
  const items = heap;
  const length = values.length;
  let size = 0;
  let index = 0;
  for (; index < length && size < k; index++) {
    const value = values[index];
    if (value > Number.NEGATIVE_INFINITY) items[size++] = value;
  }
  if (size < k) return Number.NEGATIVE_INFINITY;
  for (let parent = (k >> 1) - 1; parent >= 0; parent--) siftDown(items, parent, k);
  let root = items[0];
  for (; index < length; index++) {
    const value = values[index];
    if (value > root) {
      items[0] = value;
      siftDown(items, 0, k);
      root = items[0];
    }
  }
  return root;
}

/** Restores the min-heap order below `position`. */
function siftDown(items: Float64Array, position: number, size: number): void {
  const value = items[position];
  let current = position;
  for (;;) {
    const left = 2 * current + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && items[right] < items[left] ? right : left;
    if (!(items[child] < value)) break;
    items[current] = items[child];
    current = child;
  }
  items[current] = value;
}
