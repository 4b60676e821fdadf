import { describe, expect, it } from 'vitest';
import { BgGpt2Error, isBgGpt2Error } from './index.js';

class FirstError extends BgGpt2Error<'ONE'> {
  override readonly name = 'FirstError';
}
class SecondError extends BgGpt2Error<'TWO'> {
  override readonly name = 'SecondError';
}

describe('BgGpt2Error', () => {
  it('carries a code and a cause', () => {
    const cause = new Error('inner');
    const error = new FirstError('ONE', 'what to do', { cause });
    expect(error.code).toBe('ONE');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('what to do');
    expect(error).toBeInstanceOf(Error);
  });

  it('is recognised across bundled copies, while subclasses stay distinct', () => {
    const first = new FirstError('ONE', 'x');
    expect(first instanceof BgGpt2Error).toBe(true);
    expect(first instanceof FirstError).toBe(true);
    expect(first instanceof SecondError).toBe(false);
    // A copy of the class from another bundle: same brand, different constructor.
    const foreign = Object.assign(new Error('y'), {
      [Symbol.for('@bg-gpt2/error')]: true,
      code: 'X',
    });
    expect(foreign instanceof BgGpt2Error).toBe(true);
    expect(isBgGpt2Error(first, 'ONE')).toBe(true);
    expect(isBgGpt2Error(first, 'TWO')).toBe(false);
    expect(isBgGpt2Error(new Error('plain'))).toBe(false);
  });
});
