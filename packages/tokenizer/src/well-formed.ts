interface WellFormedString {
  isWellFormed?: () => boolean;
  toWellFormed?: () => string;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces lone surrogates with U+FFFD, one for one, as UTF-8 encoding would: the C++ library
 * only ever sees UTF-8, so this is the text it would see. Length and offsets are unchanged.
 */
export function toWellFormed(text: string): string {
  const value = text as unknown as WellFormedString;
  if (typeof value.isWellFormed === 'function' && typeof value.toWellFormed === 'function') {
    return value.isWellFormed() ? text : value.toWellFormed();
  }
  return text.replace(loneSurrogate, '\uFFFD');
}
