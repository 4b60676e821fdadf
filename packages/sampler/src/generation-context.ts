/**
 * What a logits processor may know about the sequence whose next-token logits it processes.
 * The decode loop owns it and updates it between steps: read it during `process`, never keep it.
 */
export interface GenerationContext {
  /** Every token id so far: the prompt, then the generated tokens (oldest first). */
  readonly tokens: readonly number[];
  /** How many of {@link GenerationContext.tokens} are the prompt. */
  readonly promptLength: number;
  /** How many tokens were generated so far (`tokens.length − promptLength`). */
  readonly generatedCount: number;
}

/**
 * A context over `tokens` whose first `promptLength` ids are the prompt — for calling processors
 * outside the decode loop (tests, a custom loop).
 */
export function createGenerationContext(
  tokens: readonly number[],
  promptLength = tokens.length,
): GenerationContext {
  return { tokens, promptLength, generatedCount: tokens.length - promptLength };
}
