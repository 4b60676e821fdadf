import type { CommandLine } from './arguments.js';
import { CliError } from './cli-error.js';

/** Limits of a numeric flag. */
export interface NumberFlagOptions {
  integer?: boolean;
  minimum?: number;
  maximum?: number;
}

/** The value of `--name` as a number, or undefined when absent; bad values are usage errors. */
export function numberFlag(
  commandLine: CommandLine,
  name: string,
  options: NumberFlagOptions = {},
): number | undefined {
  const raw = commandLine.flags.get(name);
  if (raw === undefined) return undefined;
  const value = raw === true ? Number.NaN : Number(raw);
  const {
    integer = false,
    minimum = Number.NEGATIVE_INFINITY,
    maximum = Number.POSITIVE_INFINITY,
  } = options;
  if (
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < minimum ||
    value > maximum
  ) {
    const kind = integer ? 'an integer' : 'a number';
    const hasMinimum = minimum > Number.NEGATIVE_INFINITY;
    const hasMaximum = maximum < Number.POSITIVE_INFINITY;
    const range =
      hasMinimum && hasMaximum
        ? `${kind} from ${minimum} to ${maximum}`
        : hasMinimum
          ? `${kind} ≥ ${minimum}`
          : hasMaximum
            ? `${kind} ≤ ${maximum}`
            : kind;
    throw new CliError('usage', `--${name} needs ${range}; got "${raw === true ? '' : raw}".`);
  }
  return value;
}

/** The value of `--name` as a string, or undefined; a bare `--name` is a usage error. */
export function stringFlag(commandLine: CommandLine, name: string): string | undefined {
  const raw = commandLine.flags.get(name);
  if (raw === true) throw new CliError('usage', `--${name} needs a value.`);
  return raw;
}

/** `\n`, `\t`, `\\` in a command-line string, as the user means them. */
export function unescapeFlagText(text: string): string {
  return text.replace(/\\([nt\\])/g, (_, character: string) =>
    character === 'n' ? '\n' : character === 't' ? '\t' : '\\',
  );
}
