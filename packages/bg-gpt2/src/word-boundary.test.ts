import { describe, expect, it } from 'vitest';
import { cutToWords } from './word-boundary.js';

describe('cutToWords', () => {
  it('keeps whole words only, with punctuation glued to the last one', () => {
    expect(cutToWords(' хубаво време днес', 2, false)).toBe(' хубаво време');
    expect(cutToWords(' хубаво време, днес', 2, false)).toBe(' хубаво време,');
    expect(cutToWords(' хубаво вре', 2, false)).toBe(' хубаво');
  });

  it('counts the last word when the model ended the text there', () => {
    expect(cutToWords(' хубаво вре', 2, true)).toBe(' хубаво вре');
  });

  it('treats the rest of a word being typed as the first word', () => {
    expect(cutToWords('ей, как си', 2, false)).toBe('ей, как');
  });

  it('keeps hyphenated words whole and returns nothing without a complete word', () => {
    expect(cutToWords(' северо-запад и', 1, false)).toBe(' северо-запад');
    expect(cutToWords(' недовърше', 3, false)).toBe('');
    expect(cutToWords('   ', 3, true)).toBe('');
  });
});
