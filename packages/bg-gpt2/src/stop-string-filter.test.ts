import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutAtStopString, StopStringFilter } from './stop-string-filter.js';

function streamed(chunks: readonly string[], stops: readonly string[]) {
  const filter = new StopStringFilter(stops);
  const outputs = chunks.map((chunk) => filter.push(chunk));
  outputs.push(filter.flush());
  return { outputs, text: outputs.join(''), stopped: filter.stopped };
}

describe('StopStringFilter', () => {
  it('never lets out the start of a stop string split across deltas', () => {
    const { outputs, stopped } = streamed(['Здравей', ',\n', '\nсвят'], ['\n\n']);
    expect(outputs).toEqual(['Здравей', ',', '', '']);
    expect(stopped).toBe(true);
  });

  it('releases held-back text once it can no longer become a stop string', () => {
    expect(streamed(['a END', 'ING', '!'], ['END.']).outputs).toEqual(['a ', 'ENDING', '!', '']);
    expect(streamed(['край', ' <', '|'], ['<|end|>']).text).toBe('край <|');
  });

  it('cuts at the earliest of several stop strings', () => {
    expect(cutAtStopString('едно. две! три', ['!', '.'])).toEqual({ text: 'едно', stopped: true });
    expect(cutAtStopString('без край', ['\n'])).toEqual({ text: 'без край', stopped: false });
  });

  it('streams exactly what cutting the whole text gives, however the text is split', () => {
    const alphabet = fc.constantFrom('а', 'б', '\n', '.', ' ', '😀');
    const text = fc.array(alphabet, { maxLength: 30 }).map((characters) => characters.join(''));
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 8 }),
        fc.array(
          text.filter((stop) => stop.length > 0),
          { minLength: 1, maxLength: 3 },
        ),
        (chunks, stops) => {
          const whole = cutAtStopString(chunks.join(''), stops);
          const result = streamed(chunks, stops);
          expect(result.text).toBe(whole.text);
          expect(result.stopped).toBe(whole.stopped);
        },
      ),
    );
  });
});
