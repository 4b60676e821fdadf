import { BoundarySearch } from './boundary-search.js';
import { logitRange } from './softmax.js';

/**
 * The indices of the `count` largest values of `values` (above `-Infinity`), largest first,
 * ties by lower index first — without sorting the whole row. Fewer when fewer values are above
 * `-Infinity`.
 */
export function topEntries(values: Float32Array, count: number): number[] {
  return topEntriesWith(values, count, new BoundarySearch());
}

/** {@link topEntries} with reusable scratch space. */
export function topEntriesWith(
  values: Float32Array,
  count: number,
  search: BoundarySearch,
): number[] {
  if (count <= 0) return [];
  const { minimum, maximum } = logitRange(values);
  const boundary = search.find({
    keys: values,
    lowest: minimum,
    highest: maximum,
    weights: undefined,
    target: () => 0,
    minimumCount: count,
  });
  if (boundary === undefined) return [];
  const indices: number[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value > boundary.key || (value === boundary.key && index <= boundary.index)) {
      indices.push(index);
    }
  }
  indices.sort((left, right) => values[right] - values[left] || left - right);
  return indices;
}
