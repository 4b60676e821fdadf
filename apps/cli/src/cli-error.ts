/** An error the CLI reports as one line (no stack): bad usage exits 2, anything else 1. */
export class CliError extends Error {
  constructor(
    readonly kind: 'usage' | 'failure',
    message: string,
  ) {
    super(message);
  }
}
