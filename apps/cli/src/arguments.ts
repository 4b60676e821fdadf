/** A parsed command line: the command, its flags (`--name value`, `--name=value`, `--flag`) and positionals. */
export interface CommandLine {
  command: string | undefined;
  /** Each flag's last value. */
  flags: Map<string, string | true>;
  /** Every value of a flag given several times (`--stop a --stop b`), in order. */
  repeated: Map<string, string[]>;
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
  'continuation-only',
  'apply',
  'no-token-healing',
]);

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const flags = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const positional: string[] = [];
  const set = (name: string, value: string | true): void => {
    flags.set(name, value);
    if (value !== true) repeated.set(name, [...(repeated.get(name) ?? []), value]);
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--') {
      positional.push(...argv.slice(index + 1));
      break;
    }
    if (argument.startsWith('-') && argument.length > 1 && !/^-\d/.test(argument)) {
      const body = argument.replace(/^--?/, '');
      const equals = body.indexOf('=');
      if (equals >= 0) set(body.slice(0, equals), body.slice(equals + 1));
      else if (
        switches.has(body) ||
        index + 1 >= argv.length ||
        argv[index + 1]!.startsWith('--')
      ) {
        set(body, true);
      } else set(body, argv[++index]!);
    } else positional.push(argument);
  }
  const [command, ...rest] = positional;
  return { command, flags, repeated, positional: rest };
}
