/**
 * Python's notion of whitespace (`str.isspace`, used by `str.split()` and `str.strip()`), which
 * differs from JavaScript's `\s`: it includes U+001C–U+001F and U+0085, and excludes U+FEFF.
 */
const pythonWhitespace =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const runs = new RegExp(`[${pythonWhitespace}]+`, 'g');
const edges = new RegExp(`^[${pythonWhitespace}]+|[${pythonWhitespace}]+$`, 'g');

/** `" ".join(text.split())` in Python: trims, and turns every whitespace run into one space. */
export function collapsePythonWhitespace(text: string): string {
  return text.replace(edges, '').replace(runs, ' ');
}
