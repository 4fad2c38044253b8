import { spawn } from 'node:child_process';
import { systemClock } from '../common/index.js';
import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { SUMSTATS_ENGINE_ERROR_CODES, SumStatsEngineError } from './errors.js';
import { epochResultToJson } from './events.js';
import type { EpochResult, EpochResultJson, SumStatsEvent, ThresholdCrossing } from './events.js';

/** Options of `SumStatsActions`. Only `logger` is required. */
export interface SumStatsActionsOptions {
  logger: Logger;
  /** http(s) URLs; each event is POSTed as JSON (`SumStatsEvent`). */
  webhooks?: string[];
  /** Shell commands run as `/bin/sh -c COMMAND` with the event JSON on stdin (never on the command line). */
  commands?: string[];
  /** Crossings and epochs kept for `recent()`. Default 100 each. */
  keepEvents?: number;
  fetch?: typeof fetch;
  /** Used for backoff and command timeouts. Default the system clock. */
  clock?: Clock;
  /** Retries after a failed POST (5xx, 408, 429, network error). Default 3. */
  webhookRetries?: number;
  /** First backoff; doubled per retry, randomised ×[0.5, 1), capped at 30 s. Default 500 ms. */
  retryBaseMs?: number;
  /** Per POST. Default 5000 ms. */
  webhookTimeoutMs?: number;
  /** Events waiting per webhook (and for the commands); the oldest is dropped beyond it. Default 1000. */
  maxQueue?: number;
  /** Commands running at once. Default 4. */
  commandConcurrency?: number;
  /** A command still running after this is killed. Default 10 000 ms. */
  commandTimeoutMs?: number;
  /** Keys of an epoch result sent to webhooks and commands. Default 10 000. */
  maxEpochKeys?: number;
}

/** Counters of what the actions did, for `/metrics` and tests. */
export interface ActionStats {
  delivered: number;
  retried: number;
  failed: number;
  dropped: number;
  commandsRun: number;
  commandsFailed: number;
}

/** Keys of an epoch kept in the `recent()` ring: enough for a UI, bounded in memory. */
const RING_EPOCH_KEYS = 1000;

interface WebhookQueue {
  readonly url: string;
  readonly bodies: string[];
  active: boolean;
  done: Promise<void>;
}
const MAX_BACKOFF_MS = 30_000;
const STDERR_TAIL_BYTES = 2048;

function bounded<T>(list: T[], item: T, max: number): T | undefined {
  list.push(item);
  return list.length > max ? list.shift() : undefined;
}

/**
 * Where crossings and epoch results go: the log, webhooks (POST JSON with
 * bounded retries and backoff, bounded queue), commands (event JSON on stdin,
 * bounded concurrency, timeout) and an in-memory ring for the API.
 * `crossing()` and `epoch()` only enqueue, so they never block the engine;
 * delivery loops never reject, they log.
 */
export class SumStatsActions {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #webhooks: readonly string[];
  readonly #commands: readonly string[];
  readonly #keep: number;
  readonly #retries: number;
  readonly #retryBaseMs: number;
  readonly #timeoutMs: number;
  readonly #maxQueue: number;
  readonly #concurrency: number;
  readonly #commandTimeoutMs: number;
  readonly #maxEpochKeys: number;
  readonly #crossings: ThresholdCrossing[] = [];
  readonly #epochs: EpochResultJson[] = [];
  /** Per webhook: bodies waiting, whether its loop runs, and the loop's promise (for idle). */
  readonly #queues: WebhookQueue[];
  readonly #commandQueue: { command: string; body: string }[] = [];
  readonly #runningCommands = new Set<Promise<void>>();
  readonly #sleeps = new Set<{ timer: TimerHandle; wake: () => void }>();
  readonly #stats: ActionStats = {
    delivered: 0,
    retried: 0,
    failed: 0,
    dropped: 0,
    commandsRun: 0,
    commandsFailed: 0,
  };
  #closed = false;

  constructor(o: SumStatsActionsOptions) {
    this.#logger = o.logger;
    this.#clock = o.clock ?? systemClock;
    this.#fetch = o.fetch ?? fetch;
    this.#webhooks = (o.webhooks ?? []).map(checkUrl);
    this.#commands = (o.commands ?? []).map(checkCommand);
    this.#keep = o.keepEvents ?? 100;
    this.#retries = o.webhookRetries ?? 3;
    this.#retryBaseMs = o.retryBaseMs ?? 500;
    this.#timeoutMs = o.webhookTimeoutMs ?? 5000;
    this.#maxQueue = o.maxQueue ?? 1000;
    this.#concurrency = o.commandConcurrency ?? 4;
    this.#commandTimeoutMs = o.commandTimeoutMs ?? 10_000;
    this.#maxEpochKeys = o.maxEpochKeys ?? 10_000;
    this.#queues = this.#webhooks.map((url) => ({
      url,
      bodies: [],
      active: false,
      done: Promise.resolve(),
    }));
  }

  /** Record and dispatch a threshold crossing. */
  crossing(c: ThresholdCrossing): void {
    this.#logger.warn('sumstats threshold crossed', { ...c });
    bounded(this.#crossings, c, this.#keep);
    this.#dispatch({ type: 'crossing', crossing: c });
  }

  /** Record and dispatch an epoch result (the first `maxEpochKeys` keys of it). */
  epoch(r: EpochResult): void {
    const json = epochResultToJson(r, this.#maxEpochKeys);
    this.#logger.info('sumstats epoch finished', {
      sumstat: r.sumstat,
      epochStartMs: r.epochStartMs,
      epochEndMs: r.epochEndMs,
      keys: r.keys.size,
      complete: r.complete,
    });
    bounded(
      this.#epochs,
      json.totalKeys > RING_EPOCH_KEYS ? epochResultToJson(r, RING_EPOCH_KEYS) : json,
      this.#keep,
    );
    this.#dispatch({ type: 'epoch', epoch: json });
  }

  /** The newest crossings and epoch results, oldest first. */
  recent(): { crossings: ThresholdCrossing[]; epochs: unknown[] } {
    return { crossings: [...this.#crossings], epochs: [...this.#epochs] };
  }

  /** What was delivered, retried, dropped and run so far. */
  stats(): ActionStats {
    return { ...this.#stats };
  }

  /** Resolves when every queue is empty and nothing is in flight. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [
        ...this.#queues.filter((q) => q.active).map((q) => q.done),
        ...this.#runningCommands,
      ];
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  /**
   * Stop: no new events, no more retries (pending backoffs end at once).
   * Waits for POSTs and commands in flight (bounded by their timeouts); events
   * still queued are dropped and counted in the log.
   */
  async close(): Promise<void> {
    if (this.#closed) return this.idle();
    this.#closed = true;
    let dropped = this.#commandQueue.length;
    this.#commandQueue.length = 0;
    for (const q of this.#queues) {
      dropped += q.bodies.length;
      q.bodies.length = 0;
    }
    for (const s of this.#sleeps) {
      s.timer.cancel();
      s.wake();
    }
    if (dropped > 0)
      this.#logger.warn('sumstats actions closed with events queued; dropped', { dropped });
    await this.idle();
  }

  #dispatch(event: SumStatsEvent): void {
    if (this.#closed || (this.#queues.length === 0 && this.#commands.length === 0)) return;
    const body = JSON.stringify(event);
    for (const q of this.#queues) {
      if (bounded(q.bodies, body, this.#maxQueue) !== undefined) this.#dropped(q.url);
      if (!q.active) {
        // The flag is set before the loop starts and cleared by the loop itself,
        // so an event queued while the loop is finishing is never stranded.
        q.active = true;
        q.done = this.#drainWebhook(q);
      }
    }
    for (const command of this.#commands) {
      if (bounded(this.#commandQueue, { command, body }, this.#maxQueue) !== undefined)
        this.#dropped(command);
    }
    this.#startCommands();
  }

  #dropped(target: string): void {
    this.#stats.dropped++;
    // One line per 100 drops: a dead webhook under a storm must not flood the log.
    if (this.#stats.dropped % 100 === 1)
      this.#logger.warn('sumstats action queue full; oldest event dropped', {
        target: redact(target),
        dropped: this.#stats.dropped,
      });
  }

  async #drainWebhook(q: WebhookQueue): Promise<void> {
    try {
      for (let body = q.bodies.shift(); body !== undefined; body = q.bodies.shift()) {
        try {
          await this.#deliver(q.url, body);
        } catch (err) {
          this.#logger.error('sumstats webhook loop failed', { url: redact(q.url), err });
        }
      }
    } finally {
      q.active = false;
    }
  }

  async #deliver(url: string, body: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#post(url, body);
      if (outcome.ok) {
        this.#stats.delivered++;
        return;
      }
      if (!outcome.retry || attempt >= this.#retries || this.#closed) {
        this.#stats.failed++;
        this.#logger.warn('sumstats webhook delivery failed; giving up', {
          url: redact(url),
          attempts: attempt + 1,
          why: outcome.why,
        });
        return;
      }
      this.#stats.retried++;
      const backoffMs =
        Math.min(MAX_BACKOFF_MS, this.#retryBaseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      await this.#sleep(backoffMs);
    }
  }

  async #post(url: string, body: string): Promise<{ ok: boolean; retry: boolean; why: string }> {
    try {
      const res = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, retry: false, why: '' };
      // 4xx other than timeout/rate-limit: the request itself is wrong; retrying cannot help.
      const retry = res.status >= 500 || res.status === 408 || res.status === 429;
      return { ok: false, retry, why: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, retry: true, why: err instanceof Error ? err.message : String(err) };
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: this.#clock.setTimeout(() => {
          this.#sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.#sleeps.add(entry);
    });
  }

  #startCommands(): void {
    while (this.#runningCommands.size < this.#concurrency) {
      const job = this.#commandQueue.shift();
      if (job === undefined) return;
      const p: Promise<void> = this.#runCommand(job.command, job.body).finally(() => {
        this.#runningCommands.delete(p);
        this.#startCommands();
      });
      this.#runningCommands.add(p);
    }
  }

  #runCommand(command: string, body: string): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#stats.commandsRun++;
      let stderr = '';
      let timedOut = false;
      // Own process group, so a timeout kills the shell and whatever it started
      // (an orphaned grandchild would otherwise hold the pipes open).
      const child = spawn('/bin/sh', ['-c', command], {
        stdio: ['pipe', 'ignore', 'pipe'],
        detached: true,
      });
      const timer = this.#clock.setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, this.#commandTimeoutMs);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
      });
      // A command that does not read stdin closes the pipe early (EPIPE): not an error of ours.
      child.stdin.on('error', () => undefined);
      child.stdin.end(body);
      let finished = false;
      const done = (code: number | null, why?: string): void => {
        if (finished) return;
        finished = true;
        timer.cancel();
        if (code !== 0 || timedOut || why !== undefined) {
          this.#stats.commandsFailed++;
          this.#logger.warn('sumstats command failed', {
            command,
            code,
            timedOut,
            why,
            stderr: stderr.trim(),
          });
        }
        resolve();
      };
      child.once('error', (err) => done(null, err.message));
      child.once('close', (code) => done(code));
    });
  }
}

/**
 * A webhook URL for logs: credentials and query removed, since tokens often
 * ride in either.
 */
function redact(target: string): string {
  try {
    const u = new URL(target);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return target;
  }
}

function checkUrl(url: string, i: number): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw new SumStatsEngineError(
      SUMSTATS_ENGINE_ERROR_CODES.invalidAction,
      `webhooks[${i}]: ${JSON.stringify(url)} is not an http(s) URL`,
      { path: `webhooks[${i}]` },
    );
  return url;
}

function checkCommand(command: string, i: number): string {
  if (typeof command !== 'string' || command.trim() === '')
    throw new SumStatsEngineError(
      SUMSTATS_ENGINE_ERROR_CODES.invalidAction,
      `commands[${i}]: must be a non-empty shell command`,
      { path: `commands[${i}]` },
    );
  return command;
}
