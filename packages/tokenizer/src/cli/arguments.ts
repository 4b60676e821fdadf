/** Parsed command line: `--name=value` / `--name value` flags and positional arguments. */
export interface ParsedArguments {
  flags: Map<string, string>;
  positional: string[];
}

/** Flags that take no value (`--help`, `--version`). */
const switches = new Set(['help', 'version', 'h']);

/**
 * Parses arguments in the style of spm_encode's (absl) flags: `--flag=value`, `--flag value`,
 * `-flag=value`; `--` ends the flags.
 */
export function parseArguments(argv: readonly string[]): ParsedArguments {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--') {
      positional.push(...argv.slice(index + 1));
      break;
    }
    if (argument.startsWith('-') && argument.length > 1) {
      const body = argument.replace(/^--?/, '');
      const equals = body.indexOf('=');
      if (equals >= 0) {
        flags.set(body.slice(0, equals), body.slice(equals + 1));
      } else if (switches.has(body)) {
        flags.set(body, 'true');
      } else if (index + 1 < argv.length) {
        flags.set(body, argv[++index]!);
      } else {
        flags.set(body, '');
      }
    } else {
      positional.push(argument);
    }
  }
  return { flags, positional };
}
