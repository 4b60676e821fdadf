/** An environment variable where there is a `process` (Node, Deno, Bun); undefined in a browser. */
export function readEnvironment(name: string): string | undefined {
  const environment = (globalThis as { process?: { env?: Record<string, string | undefined> } })
    .process?.env;
  const value = environment?.[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Whether an environment flag is set to a true value (`1`, `true`, `yes`, `on`). */
export function environmentFlag(name: string): boolean {
  const value = readEnvironment(name)?.toLowerCase();
  return value === '1' || value === 'true' || value === 'yes' || value === 'on';
}
