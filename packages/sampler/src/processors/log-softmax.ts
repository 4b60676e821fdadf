import type { LogitsProcessor } from '../logits-processor.js';
import { logSoftmax } from '../math/softmax.js';

/**
 * Renormalization (Hugging Face's `LogitNormalization`, `renormalize_logits=True`): replaces the
 * logits by their log-softmax, so that they are log-probabilities again after the other
 * processors. Sampling and greedy choices do not change; beam scores do (they add up processed
 * scores). Put it last.
 */
export class LogSoftmaxProcessor implements LogitsProcessor {
  process(logits: Float32Array): void {
    logSoftmax(logits, logits);
  }
}
