import { describe, expect, it } from 'vitest';
import {
  canSuggestAt,
  contextBeforeCaret,
  firstWord,
  remainderAfterTyping,
  visibleSuggestion,
} from './ghost-text.js';

describe('canSuggestAt', () => {
  it('suggests at the end of the text, after a word or a typed space', () => {
    expect(canSuggestAt('Здравей', 7, 7)).toBe(true);
    expect(canSuggestAt('Здравей, ', 9, 9)).toBe(true);
  });
  it('suggests at the end of a word or line followed by more text', () => {
    expect(canSuggestAt('Здравей свят', 7, 7)).toBe(true);
    expect(canSuggestAt('ред\nоще', 3, 3)).toBe(true);
  });
  it('never inside a word, at its start, with a selection, or with nothing before the caret', () => {
    expect(canSuggestAt('Здравей', 3, 3)).toBe(false);
    expect(canSuggestAt('Здравей свят', 8, 8)).toBe(false);
    expect(canSuggestAt('Здравей', 0, 7)).toBe(false);
    expect(canSuggestAt('   ', 3, 3)).toBe(false);
    expect(canSuggestAt('', 0, 0)).toBe(false);
  });
});

describe('contextBeforeCaret', () => {
  it('keeps short texts and cuts long ones at a whitespace', () => {
    expect(contextBeforeCaret('едно две три', 7, 100)).toBe('едно дв');
    expect(contextBeforeCaret('едно две три четири', 19, 10)).toBe('четири');
  });
});

describe('visibleSuggestion', () => {
  it('grows the first word as it streams, then shows complete words only', () => {
    expect(visibleSuggestion(' к', false)).toBe(' к');
    expect(visibleSuggestion(' как', false)).toBe(' как');
    expect(visibleSuggestion(' как с', false)).toBe(' как');
    expect(visibleSuggestion(' как си', false)).toBe(' как');
    expect(visibleSuggestion(' как си ', false)).toBe(' как си');
  });
  it('shows everything when the model ended, and cuts a word the token limit cut', () => {
    expect(visibleSuggestion(' как си', true)).toBe(' как си');
    expect(visibleSuggestion(' как си', true, true)).toBe(' как');
    expect(visibleSuggestion('ей', true, true)).toBe('ей');
  });
  it('stops at a line break and never shows only whitespace', () => {
    expect(visibleSuggestion(' как\nси', true)).toBe(' как');
    expect(visibleSuggestion('  ', false)).toBe('');
  });
  it('only grows while streaming', () => {
    const stream = ['ей', ',', ' ка', 'к', ' си', ' д', 'нес', ' ?'];
    let text = '';
    let shown = '';
    for (const delta of stream) {
      text += delta;
      const next = visibleSuggestion(text, false);
      expect(next.startsWith(shown)).toBe(true);
      shown = next;
    }
    expect(visibleSuggestion(text, true, true).startsWith(shown)).toBe(true);
  });
});

describe('firstWord', () => {
  it('takes the leading space, the word and punctuation glued to it', () => {
    expect(firstWord(' как си')).toBe(' как');
    expect(firstWord('ей, как си')).toBe('ей,');
    expect(firstWord(', как')).toBe(',');
    expect(firstWord(' Ново-Село е')).toBe(' Ново-Село');
  });
});

describe('remainderAfterTyping', () => {
  it('keeps the rest when the typed text matches', () => {
    expect(remainderAfterTyping(' как си', ' ')).toBe('как си');
    expect(remainderAfterTyping('как си', 'к')).toBe('ак си');
    expect(remainderAfterTyping('как', 'м')).toBeUndefined();
    expect(remainderAfterTyping('как', '')).toBeUndefined();
  });
});
