/**
 * What the decode loop needs of a model: a batched step API over a KV cache. `@bg-gpt2/runtime`'s
 * `DecoderSession` is one (`model.createSession()`); a table in a test is another.
 *
 * Every call returns next-token logits, `rows × vocabularySize` row-major, one row per sequence
 * of the batch. The loop processes the returned array in place, so return a fresh array (or one
 * you do not need back).
 */
export interface StepModel {
  /** Columns of each logits row. */
  readonly vocabularySize: number;

  /**
   * Starts over with a prompt — one row of ids, or several rows (a batch; the loop only passes
   * rows of equal length) — and returns the logits of each row's last position.
   */
  prefill(ids: readonly number[] | readonly (readonly number[])[]): Promise<Float32Array>;

  /** Appends one token to each row (a number for a batch of one) and returns the new logits. */
  step(tokens: number | readonly number[]): Promise<Float32Array>;

  /**
   * Optional, for beam search: reorders the batch's cached state — afterwards row `i` holds what
   * row `indices[i]` held (rows may be repeated or dropped; `indices.length` is the batch size,
   * unchanged). With it, beam search prefills the prompt once per beam and then costs one
   * `step` per token; without it, beam search re-prefills every beam's whole sequence at each
   * step (correct, but quadratic in the length).
   */
  reorder?(indices: readonly number[]): Promise<void>;
}
