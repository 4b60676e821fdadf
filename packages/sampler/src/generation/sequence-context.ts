import type { GenerationContext } from '../generation-context.js';

/** The live context of one sequence in the decode loop: the prompt and what was generated. */
export class SequenceContext implements GenerationContext {
  /** Prompt + generated, grown in place. */
  readonly tokens: number[];
  readonly promptLength: number;

  constructor(tokens: number[], promptLength: number) {
    this.tokens = tokens;
    this.promptLength = promptLength;
  }

  get generatedCount(): number {
    return this.tokens.length - this.promptLength;
  }

  /** The generated tokens (a copy). */
  generated(): number[] {
    return this.tokens.slice(this.promptLength);
  }
}
