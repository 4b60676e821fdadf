/** Options shared by the filtering processors (top-k, top-p, min-p, typical-p, epsilon, eta). */
export interface FilterOptions {
  /**
   * The fewest tokens the filter keeps, whatever its threshold says (Hugging Face's
   * `min_tokens_to_keep`); an integer ≥ 1, default 1. `generate` in Hugging Face passes 2 for
   * beam sampling.
   */
  minTokensToKeep?: number;
}
