/** Helpers for multi-process tests: spawn the real CLI, wait for output, free ports, HTTP JSON. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/bin/canopy.js', import.meta.url));

export interface Daemon {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first match of `re` in stdout (rejects on exit or timeout). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startCli(args: string[], env: Record<string, string> = {}): Daemon {
  const child = spawn(process.execPath, ['--enable-source-maps', CLI, ...args], {
    env: { ...process.env, CANOPY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const poll = (): void => {
          const m = re.exec(out);
          if (m) return resolve(m);
          if (child.exitCode !== null || child.signalCode !== null) {
            return reject(
              new Error(
                `process exited (${child.exitCode ?? child.signalCode}) before ${re}; stderr:\n${err}`,
              ),
            );
          }
          if (Date.now() > deadline)
            return reject(
              new Error(`timed out waiting for ${re}; stdout:\n${out}\nstderr:\n${err}`),
            );
          setTimeout(poll, 25);
        };
        poll();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A free loopback TCP port, outside the kernel's ephemeral range (test/support/ports.ts). */
export { freePort } from '../support/ports.js';

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

/** Poll `fn` until it returns a value that is not undefined, or fail after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
