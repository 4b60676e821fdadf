import { readFileSync } from 'node:fs';
import type { CommandLine } from './arguments.js';
import { CliError } from './cli-error.js';

/**
 * The text a command works on: its positional arguments joined by spaces, or standard input
 * when there are none (or the only one is `-`). A trailing line break of standard input is
 * dropped.
 */
export function readInputText(commandLine: CommandLine, help: string): string {
  const { positional } = commandLine;
  if (positional.length > 0 && !(positional.length === 1 && positional[0] === '-')) {
    return positional.join(' ');
  }
  if (process.stdin.isTTY && positional[0] !== '-') {
    throw new CliError('usage', `give the text as an argument or on standard input.\n\n${help}`);
  }
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}
