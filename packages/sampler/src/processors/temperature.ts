import type { LogitsProcessor } from '../logits-processor.js';
import { requireNumber } from '../validation.js';

/**
 * Temperature (Hugging Face's `TemperatureLogitsWarper`): divides every logit by `temperature`.
 * Below 1 the distribution sharpens, above 1 it flattens; 1 changes nothing.
 *
 * `0` means greedy: only the most likely token keeps its logit (the lowest id among equals, as
 * `argmax` picks), every other becomes `-Infinity` — so sampling after it is deterministic.
 * (Hugging Face rejects 0 and asks for `do_sample=False`; this is the same outcome.)
 */
export class TemperatureProcessor implements LogitsProcessor {
  /** The temperature, ≥ 0. */
  readonly temperature: number;

  /** @param temperature a finite number ≥ 0 (1: no change; 0: greedy). */
  constructor(temperature: number) {
    this.temperature = requireNumber('temperature', temperature, 0, Number.MAX_VALUE);
  }

  process(logits: Float32Array): void {
    const temperature = this.temperature;
    if (temperature === 1) return;
    if (temperature === 0) {
      let best = -1;
      let bestValue = Number.NEGATIVE_INFINITY;
      for (let index = 0; index < logits.length; index++) {
        if (logits[index] > bestValue) {
          bestValue = logits[index];
          best = index;
        }
      }
      for (let index = 0; index < logits.length; index++) {
        if (index !== best) logits[index] = Number.NEGATIVE_INFINITY;
      }
      return;
    }
    for (let index = 0; index < logits.length; index++) logits[index] /= temperature;
  }
}
