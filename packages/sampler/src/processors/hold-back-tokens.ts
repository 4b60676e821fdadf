/** Sets the logits of `ids` (those inside the row) to `-Infinity`: those tokens cannot be chosen. */
export function holdBackTokens(logits: Float32Array, ids: readonly number[]): void {
  for (const id of ids) {
    if (id < logits.length) logits[id] = Number.NEGATIVE_INFINITY;
  }
}
