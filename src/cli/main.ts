import type { Logger } from '../common/index.js';
import { CanopyError, createLogger, toError } from '../common/index.js';
import { aggregatorCommand } from './cmd-aggregator.js';
import { captureCommand } from './cmd-capture.js';
import { controllerCommand } from './cmd-controller.js';
import { ctlCommand } from './cmd-ctl.js';
import { findCommand } from './cmd-find.js';
import { observeCommand } from './cmd-observe.js';
import { sumstatsCommand } from './cmd-sumstats.js';
import { putCommand } from './cmd-put.js';
import { queryCommand } from './cmd-query.js';
import { samplerCommand } from './cmd-sampler.js';
import { upCommand } from './cmd-up.js';
import type { Command } from './command.js';
import { EXIT } from './errors.js';

const COMMANDS: readonly Command[] = [
  upCommand,
  samplerCommand,
  aggregatorCommand,
  putCommand,
  queryCommand,
  controllerCommand,
  ctlCommand,
  findCommand,
  captureCommand,
  observeCommand,
  sumstatsCommand,
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(12)}${c.summary}`);
  return `canopy — hierarchical cluster monitoring

Usage: canopy COMMAND [options]     (canopy COMMAND --help for details)

Commands:
${lines.join('\n')}
`;
}

export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  logger?: Logger;
  stopSignal?: Promise<void>;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: MainIo): Promise<number> {
  const [name, ...rest] = joinNegativeValues(argv);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`canopy: unknown command '${name}'\n\n${usage()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage + '\n');
    return EXIT.ok;
  }
  try {
    return await command.run({
      argv: rest,
      stdout: io.stdout,
      stderr: io.stderr,
      logger:
        io.logger ??
        createLogger({ level: (process.env.CANOPY_LOG_LEVEL as 'info' | undefined) ?? 'info' }),
      stopSignal: io.stopSignal ?? new Promise<void>(() => undefined),
    });
  } catch (err) {
    const e = toError(err);
    const code = exitCodeFor(err);
    io.stderr(
      `canopy ${name}: ${code === EXIT.failure && !(err instanceof CanopyError) ? 'unexpected error: ' : ''}${e.message}\n`,
    );
    if (code === EXIT.usage) io.stderr(`(see canopy ${name} --help)\n`);
    return code;
  }
}

const UNAVAILABLE_CODES = new Set(['CANOPY_ERR_API_UNREACHABLE', 'CANOPY_ERR_PUT_TIMEOUT']);
const FAILURE_CODES = new Set([
  'CANOPY_ERR_PUT_REJECTED',
  'CANOPY_ERR_AUTH_FAILED',
  'CANOPY_ERR_AUTH_REQUIRED',
]);

/** Map an error to the documented exit codes (docs/errors.md). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CanopyError) {
    if (err.retryable || UNAVAILABLE_CODES.has(err.code)) return EXIT.unavailable;
    if (FAILURE_CODES.has(err.code)) return EXIT.failure;
    return EXIT.usage;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return EXIT.usage;
  if (code === 'EADDRINUSE' || code === 'EACCES') return EXIT.unavailable;
  return EXIT.failure;
}

/**
 * `--from -2h` reads naturally but node's parseArgs takes `-2h` for an option;
 * an option followed by a negative duration or number becomes `--from=-2h`.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
