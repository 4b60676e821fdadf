/** A parsed command line: the command, its flags (`--name value`, `--name=value`, `--flag`) and positionals. */
export interface CommandLine {
  command: string | undefined;
  flags: Map<string, string | true>;
  positional: string[];
}

/** Flags that never take a value. */
const switches = new Set([
  'help',
  'h',
  'version',
  'json',
  'greedy',
  'do-sample',
  'offline',
  'force',
  'quiet',
]);

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--') {
      positional.push(...argv.slice(index + 1));
      break;
    }
    if (argument.startsWith('-') && argument.length > 1 && !/^-\d/.test(argument)) {
      const body = argument.replace(/^--?/, '');
      const equals = body.indexOf('=');
      if (equals >= 0) flags.set(body.slice(0, equals), body.slice(equals + 1));
      else if (
        switches.has(body) ||
        index + 1 >= argv.length ||
        argv[index + 1]!.startsWith('--')
      ) {
        flags.set(body, true);
      } else flags.set(body, argv[++index]!);
    } else positional.push(argument);
  }
  const [command, ...rest] = positional;
  return { command, flags, positional: rest };
}
