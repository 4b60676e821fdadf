/**
 * Cuts streamed text at the first stop string. Text that could still become a stop string is
 * held back until the next delta decides, so a stop string split across tokens never leaks.
 *
 * ```ts
 * const filter = new StopStringFilter(['\n\n']);
 * filter.push('Hello\n');   // 'Hello' ('\n' held back)
 * filter.push('\nworld');   // '' — and filter.stopped is true
 * ```
 */
export class StopStringFilter {
  readonly #stops: readonly string[];
  #held = '';
  #isStopped = false;

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop.length > 0);
  }

  /** Whether a stop string was seen; everything after it is dropped. */
  get stopped(): boolean {
    return this.#isStopped;
  }

  /** Adds text; returns what is final (not a possible start of a stop string). */
  push(text: string): string {
    if (this.#isStopped) return '';
    const combined = this.#held + text;
    let cut = -1;
    for (const stop of this.#stops) {
      const index = combined.indexOf(stop);
      if (index >= 0 && (cut < 0 || index < cut)) cut = index;
    }
    if (cut >= 0) {
      this.#isStopped = true;
      this.#held = '';
      return combined.slice(0, cut);
    }
    const keep = this.#pendingLength(combined);
    this.#held = combined.slice(combined.length - keep);
    return combined.slice(0, combined.length - keep);
  }

  /** Ends the text: whatever was held back is final. */
  flush(): string {
    const rest = this.#isStopped ? '' : this.#held;
    this.#held = '';
    return rest;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of a stop string. */
  #pendingLength(text: string): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}

/** `text` up to (not including) the first stop string, and whether one was found. */
export function cutAtStopString(
  text: string,
  stops: readonly string[],
): { text: string; stopped: boolean } {
  const filter = new StopStringFilter(stops);
  const head = filter.push(text);
  return { text: head + filter.flush(), stopped: filter.stopped };
}
