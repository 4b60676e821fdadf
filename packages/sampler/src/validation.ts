import { SamplerError } from './errors.js';

/** Throws `INVALID_ARGUMENT` with `message`. */
export function invalid(message: string): never {
  throw new SamplerError('INVALID_ARGUMENT', message);
}

/** `value` must be a finite number in [minimum, maximum] (bounds inclusive unless said). */
export function requireNumber(
  name: string,
  value: unknown,
  minimum: number,
  maximum: number,
  { excludeMinimum = false, excludeMaximum = false } = {},
): number {
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < minimum ||
    value > maximum ||
    (excludeMinimum && value === minimum) ||
    (excludeMaximum && value === maximum)
  ) {
    const open = excludeMinimum ? '(' : '[';
    const close = excludeMaximum ? ')' : ']';
    invalid(
      `${name} must be a number in ${open}${minimum}, ${maximum}${close}; got ${String(value)}.`,
    );
  }
  return value;
}

/** `value` must be an integer ≥ `minimum` (and ≤ `maximum`). */
export function requireInteger(
  name: string,
  value: unknown,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    const range =
      maximum === Number.MAX_SAFE_INTEGER ? `≥ ${minimum}` : `from ${minimum} to ${maximum}`;
    invalid(`${name} must be an integer ${range}; got ${String(value)}.`);
  }
  return value;
}

/** A token id: an integer ≥ 0. */
export function requireTokenId(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    invalid(`${name} must be a token id (an integer ≥ 0); got ${String(value)}.`);
  }
  return value;
}

/** One id or a list of ids, as a list (`allowEmpty` false: at least one). */
export function requireTokenIds(name: string, value: unknown, allowEmpty = false): number[] {
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || (!allowEmpty && list.length === 0)) {
    invalid(
      `${name} must be a token id or a${allowEmpty ? '' : ' non-empty'} list of token ids; got ${JSON.stringify(value)}.`,
    );
  }
  return list.map((id, index) => requireTokenId(`${name}[${index}]`, id));
}

/** A list of non-empty token id sequences. */
export function requireTokenSequences(name: string, value: unknown): number[][] {
  if (!Array.isArray(value)) {
    invalid(
      `${name} must be a list of token id sequences (number[][]); got ${JSON.stringify(value)}.`,
    );
  }
  return value.map((sequence, index) => {
    if (!Array.isArray(sequence) || sequence.length === 0) {
      invalid(
        `${name}[${index}] must be a non-empty list of token ids; got ${JSON.stringify(sequence)}.`,
      );
    }
    return sequence.map((id, position) => requireTokenId(`${name}[${index}][${position}]`, id));
  });
}

/** `minTokensToKeep` of the filtering processors: an integer ≥ 1 (default 1). */
export function requireMinTokensToKeep(value: unknown): number {
  return value === undefined ? 1 : requireInteger('minTokensToKeep', value, 1);
}
