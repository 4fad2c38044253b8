import { CanopyError } from '../common/index.js';

/** A usage or configuration problem on the command line; exits with status 2. */
export class CliError extends CanopyError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'CliError';
  }
}

/** Exit codes of every command (documented in docs/cli.md). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  unavailable: 3,
} as const;
