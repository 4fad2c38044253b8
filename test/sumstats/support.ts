import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AuthConfig } from '../../src/protocol/index.js';
import type { SumStatDef } from '../../src/sumstats/index.js';

/** Shared by the test and its child processes. */
export const TEST_AUTH: AuthConfig = { mode: 'secret', secret: 'sumstats-test-secret' };

/** The scan sumstat: unique destination ports per source, threshold 100. */
export function scanDef(epochMs: number): SumStatDef {
  return {
    name: 'scan',
    epochMs,
    reducers: [{ name: 'ports', stream: 'conn.attempt', spec: { kind: 'unique', n: 10_000 } }],
    threshold: { value: 'ports.count', threshold: 100 },
  };
}

/** One JSON line a child printed, with when the parent read it. */
export type Line = Record<string, unknown> & { ev: string; seenMs: number };

/** A child node process speaking JSON lines on stdout, read as they come. */
export class Child {
  readonly proc: ChildProcess;
  readonly lines: Line[] = [];
  #waiters: (() => void)[] = [];
  #buf = '';

  constructor(script: string, config: unknown) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    this.proc = spawn(process.execPath, ['--enable-source-maps', path, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => this.#onData(chunk));
    this.proc.on('exit', () => this.#wake());
  }

  /** Send one JSON line to the child's stdin. */
  send(obj: unknown): void {
    this.proc.stdin!.write(JSON.stringify(obj) + '\n');
  }

  /** The first line (already read or future) matching `pred`; rejects after `timeoutMs`. */
  async waitFor(pred: (l: Line) => boolean, timeoutMs: number, what: string): Promise<Line> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }

  #onData(chunk: string): void {
    this.#buf += chunk;
    let nl: number;
    while ((nl = this.#buf.indexOf('\n')) >= 0) {
      const text = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(nl + 1);
      try {
        this.lines.push({ ...(JSON.parse(text) as { ev: string }), seenMs: Date.now() });
      } catch {
        // Not ours (a stray print): ignore.
      }
    }
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** Print one JSON line (child side). */
export function emit(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
