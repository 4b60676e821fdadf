import type { GenerationContext } from '../generation-context.js';

/** How often each token occurs in `context` (generated tokens only, unless `includePrompt`). */
export function countTokens(
  context: GenerationContext,
  includePrompt: boolean,
): Map<number, number> {
  const counts = new Map<number, number>();
  const tokens = context.tokens;
  for (
    let position = includePrompt ? 0 : context.promptLength;
    position < tokens.length;
    position++
  ) {
    const token = tokens[position];
    counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  return counts;
}

/** Options of the presence and frequency penalties. */
export interface CountPenaltyOptions {
  /**
   * Whether the prompt's tokens count too (default false: only generated tokens, as OpenAI's
   * "how often the token was sampled so far" and vLLM).
   */
  includePrompt?: boolean;
}
