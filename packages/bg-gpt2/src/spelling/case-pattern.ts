/** `word` written with the capitalisation of `template`: all capitals, a capital first, or as is. */
export function matchCase(template: string, word: string): string {
  const upper = template.toLocaleUpperCase('bg');
  if (template.length > 1 && template === upper) return word.toLocaleUpperCase('bg');
  const first = template.slice(0, 1);
  if (first !== first.toLocaleLowerCase('bg')) {
    return word.slice(0, 1).toLocaleUpperCase('bg') + word.slice(1);
  }
  return word;
}
