import { argmax } from './fixture-model.js';

/** log-softmax of one row of logits. */
export function logSoftmax(logits: readonly number[]): number[] {
  let maximum = Number.NEGATIVE_INFINITY;
  for (const value of logits) maximum = Math.max(maximum, value);
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - maximum);
  const logSum = maximum + Math.log(sum);
  return logits.map((value) => value - logSum);
}

/** How close a model's logits are to the reference's, position by position. */
export interface LogitAgreement {
  /** Share of positions where both pick the same most likely token. */
  topOneAgreement: number;
  /** Mean over positions and the whole vocabulary of |Δ log-probability|. */
  meanAbsoluteLogProbabilityChange: number;
  /** Mean KL(reference ‖ model) in nats. */
  meanKullbackLeibler: number;
  /** Perplexity of the sequence's own next tokens under the reference and under the model. */
  referencePerplexity: number;
  perplexity: number;
}

/**
 * Compares `actual[i]` with `expected[i]` (logits at position i); `nextTokens[i]` is the token
 * that follows position i (for the perplexity of the sequence), or -1 to skip the position.
 */
export function compareLogits(
  expected: readonly (readonly number[])[],
  actual: readonly (readonly number[])[],
  nextTokens: readonly number[],
): LogitAgreement {
  let agreements = 0;
  let absoluteChange = 0;
  let kullbackLeibler = 0;
  let referenceNegativeLogLikelihood = 0;
  let negativeLogLikelihood = 0;
  let scored = 0;
  expected.forEach((reference, position) => {
    const model = actual[position]!;
    if (argmax(reference) === argmax(model)) agreements++;
    const referenceLog = logSoftmax(reference);
    const modelLog = logSoftmax(model);
    let change = 0;
    let divergence = 0;
    for (let token = 0; token < referenceLog.length; token++) {
      change += Math.abs(referenceLog[token]! - modelLog[token]!);
      divergence += Math.exp(referenceLog[token]!) * (referenceLog[token]! - modelLog[token]!);
    }
    absoluteChange += change / referenceLog.length;
    kullbackLeibler += divergence;
    const next = nextTokens[position] ?? -1;
    if (next >= 0) {
      referenceNegativeLogLikelihood -= referenceLog[next]!;
      negativeLogLikelihood -= modelLog[next]!;
      scored++;
    }
  });
  const count = expected.length;
  return {
    topOneAgreement: agreements / count,
    meanAbsoluteLogProbabilityChange: absoluteChange / count,
    meanKullbackLeibler: kullbackLeibler / count,
    referencePerplexity: Math.exp(referenceNegativeLogLikelihood / Math.max(1, scored)),
    perplexity: Math.exp(negativeLogLikelihood / Math.max(1, scored)),
  };
}
