import { endpointOf, sizeBytes } from '../common/index.js';
import { statSync, readFileSync } from 'node:fs';
import { parseDuration } from '../api/index.js';
import type { AuthConfig } from '../protocol/index.js';
import { CliError } from './errors.js';

/** Parse `host:port` (or `[v6]:port`, or just `port`), defaulting the host to loopback. */
export function parseEndpoint(
  text: string,
  option: string,
  defaultHost = '127.0.0.1',
): { host: string; port: number } {
  const ep = endpointOf(text, defaultHost);
  if (!ep)
    throw new CliError(
      'CANOPY_ERR_BAD_OPTION',
      `--${option}: ${JSON.stringify(text)} is not host:port`,
    );
  return ep;
}

export function durationOption(
  text: string | undefined,
  option: string,
  fallbackMs: number,
): number {
  if (text === undefined) return fallbackMs;
  try {
    return parseDuration(text, `--${option}`);
  } catch (err) {
    throw new CliError('CANOPY_ERR_BAD_OPTION', (err as Error).message, { cause: err });
  }
}

export function intOption(
  text: string | undefined,
  option: string,
  fallback: number,
  min = 0,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(
      'CANOPY_ERR_BAD_OPTION',
      `--${option}: ${JSON.stringify(text)} is not an integer ≥ ${min}`,
    );
  }
  return n;
}

/** Parse a byte size such as `64MiB`, `512k`, `1g` or a plain number of bytes. */
export function byteSizeOption(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const bytes = sizeBytes(text);
  if (bytes === undefined)
    throw new CliError(
      'CANOPY_ERR_BAD_OPTION',
      `--${option}: ${JSON.stringify(text)} is not a size (e.g. 64MiB)`,
    );
  return bytes;
}

/**
 * Read the shared cluster secret. A secret file that other users can read is
 * refused: the secret is the only thing that keeps strangers off the wire.
 */
export function readSecretFile(path: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new CliError(
      'CANOPY_ERR_SECRET_FILE',
      `--secret-file ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if ((mode & 0o004) !== 0) {
    throw new CliError(
      'CANOPY_ERR_SECRET_FILE',
      `--secret-file ${path}: refusing a world-readable secret (chmod 600 ${path})`,
    );
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 16)
    throw new CliError(
      'CANOPY_ERR_SECRET_FILE',
      `--secret-file ${path}: secret shorter than 16 characters`,
    );
  return secret;
}

/** parseArgs options for flags that all take a string value. */
export function stringOptions<const K extends string>(
  names: readonly K[],
): Record<K, { type: 'string' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])) as Record<
    K,
    { type: 'string' }
  >;
}

/** Auth for a daemon or client: HMAC with the secret file when one is given, else none (loopback only). */
export function authFrom(secretFile: string | undefined): AuthConfig {
  return secretFile ? { mode: 'secret', secret: readSecretFile(secretFile) } : { mode: 'none' };
}
