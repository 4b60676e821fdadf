import { SamplerError } from '../errors.js';
import type { LogitsProcessor } from '../logits-processor.js';
import { invalid, requireTokenId } from '../validation.js';

/** Token id → additive bias: a `Map`, pairs, or a plain object (OpenAI's `logit_bias` JSON). */
export type LogitBiasMap =
  | ReadonlyMap<number, number>
  | Iterable<readonly [number, number]>
  | Readonly<Record<string | number, number>>;

/**
 * Logit bias (OpenAI's `logit_bias`): adds a fixed bias to the logits of chosen ids, every step.
 * A bias of −100 (OpenAI's convention) or `-Infinity` effectively bans a token, a large positive
 * one all but forces it. Ids outside the vocabulary are an error at the first step.
 */
export class LogitBiasProcessor implements LogitsProcessor {
  /** The biases, by token id. */
  readonly bias: ReadonlyMap<number, number>;
  #checkedLength = -1;

  /** @param bias id → bias; each bias finite or `-Infinity`. */
  constructor(bias: LogitBiasMap) {
    const entries: Iterable<readonly [unknown, unknown]> =
      bias instanceof Map || isIterable(bias)
        ? (bias as Iterable<readonly [unknown, unknown]>)
        : Object.entries(bias as Record<string, number>).map(([id, value]) => [Number(id), value]);
    const map = new Map<number, number>();
    for (const [id, value] of entries) {
      const token = requireTokenId('logitBias id', id);
      if (typeof value !== 'number' || Number.isNaN(value) || value === Number.POSITIVE_INFINITY) {
        invalid(
          `The logit bias of token ${token} must be a finite number or -Infinity; got ${String(value)}.`,
        );
      }
      map.set(token, value);
    }
    this.bias = map;
  }

  process(logits: Float32Array): void {
    if (this.#checkedLength !== logits.length) {
      const outside = [...this.bias.keys()].filter((id) => id >= logits.length);
      if (outside.length > 0) {
        throw new SamplerError(
          'INVALID_ARGUMENT',
          `The vocabulary has ${logits.length} tokens, but logit bias names ids outside it: ${outside.join(', ')}.`,
        );
      }
      this.#checkedLength = logits.length;
    }
    for (const [id, value] of this.bias) logits[id] += value;
  }
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}
