import type { Logger } from '../common/index.js';

/** What a command gets from the dispatcher. */
export interface CommandContext {
  argv: string[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  logger: Logger;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<void>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code. */
  run(ctx: CommandContext): Promise<number>;
}
