const brand = Symbol.for('@bg-gpt2/error');

/**
 * The base of every error the @bg-gpt2 packages throw: a stable `code` a program can switch on,
 * and a message that says what went wrong and what to do.
 *
 * Each package bundles its own copy of this class (so that none gains a runtime dependency);
 * `error instanceof BgGpt2Error` still holds across copies, through a registered symbol.
 */
export class BgGpt2Error<Code extends string = string> extends Error {
  readonly code: Code;
  readonly [brand] = true;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class `instanceof` asks about: the base checks the brand, subclasses keep
    // the ordinary prototype check.
    // biome-ignore lint/complexity/noThisInStatic: the receiver decides which check applies
    if (this === BgGpt2Error) {
      return (
        typeof value === 'object' &&
        value !== null &&
        (value as { [brand]?: unknown })[brand] === true
      );
    }
    // biome-ignore lint/complexity/noThisInStatic: the receiver decides which check applies
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** Whether `value` is an error from any @bg-gpt2 package (with that `code`, if given). */
export function isBgGpt2Error(value: unknown, code?: string): value is BgGpt2Error {
  return value instanceof BgGpt2Error && (code === undefined || value.code === code);
}
