import { SamplerError } from '../errors.js';
import type { FinishReason } from './generate-options.js';
import type { ResolvedOptions } from './resolved-options.js';

/**
 * Whether a sequence ends with its newest token: an end-of-sequence id, then a stop sequence
 * (over the generated tokens), then the length limit. `undefined` while it goes on.
 */
export function finishReason(
  tokens: readonly number[],
  promptLength: number,
  options: ResolvedOptions,
): FinishReason | undefined {
  const end = tokens.length;
  const length = end - promptLength;
  const token = tokens[end - 1];
  if (options.eosTokenIds.includes(token)) return 'eos';
  for (const sequence of options.stopSequences) {
    if (sequence.length > length) continue;
    const start = end - sequence.length;
    let matches = true;
    for (let offset = 0; offset < sequence.length; offset++) {
      if (tokens[start + offset] !== sequence[offset]) {
        matches = false;
        break;
      }
    }
    if (matches) return 'stop-sequence';
  }
  if (length >= options.maxNewTokens) return 'length';
  return undefined;
}

/** Throws `ABORTED` (with the signal's reason as `cause`) once `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new SamplerError('ABORTED', 'Generation was aborted (the AbortSignal fired).', {
      cause: signal.reason,
    });
  }
}

/** Checks that the model returned `rows` rows of logits. */
export function checkLogits(logits: unknown, rows: number, vocabularySize: number): Float32Array {
  if (!(logits instanceof Float32Array) || logits.length !== rows * vocabularySize) {
    const got =
      logits instanceof Float32Array
        ? `${logits.length} values`
        : `a ${Object.prototype.toString.call(logits).slice(8, -1)}`;
    throw new SamplerError(
      'MODEL_OUTPUT_INVALID',
      `The model returned ${got}; expected a Float32Array of ${rows} row(s) × ${vocabularySize} (vocabularySize) logits.`,
    );
  }
  return logits;
}
