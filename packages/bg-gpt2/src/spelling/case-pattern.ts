/**
 * `word` written with the capitalisation of `template`: all capitals, a capital first, or — for
 * a mixed pattern such as `ГЛавни` — the capitals of `template` letter by letter.
 */
export function matchCase(template: string, word: string): string {
  const upper = template.toLocaleUpperCase('bg');
  const lower = template.toLocaleLowerCase('bg');
  if (template === lower) return word;
  if (template.length > 1 && template === upper) return word.toLocaleUpperCase('bg');
  const first = template.slice(0, 1);
  const rest = template.slice(1);
  if (first !== first.toLocaleLowerCase('bg') && rest === rest.toLocaleLowerCase('bg')) {
    return word.slice(0, 1).toLocaleUpperCase('bg') + word.slice(1);
  }
  let result = '';
  for (let index = 0; index < word.length; index++) {
    const letter = template[index];
    result +=
      letter !== undefined && letter !== letter.toLocaleLowerCase('bg')
        ? word[index].toLocaleUpperCase('bg')
        : word[index];
  }
  return result;
}
