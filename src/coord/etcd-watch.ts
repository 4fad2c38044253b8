import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import type { Logger } from '../common/index.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { prefixRange } from './etcd-support.js';
import { reportError } from './report-error.js';
import type { Watch, WatchEvent } from './types.js';

/** How long to wait before re-creating a watcher that etcd cancelled. */
const RECREATE_DELAY_MS = 1000;

/** What an EtcdWatch needs from its store. */
export interface EtcdWatchContext {
  readonly client: Etcd3;
  readonly logger: Logger;
  readonly callTimeoutMs: number;
  /** Classify an etcd3 error (CoordError naming the endpoints). */
  describe(err: unknown, what: string): CoordError;
  /** Is revision `rev` still readable (not compacted)? Rejects when etcd cannot say. */
  readable(rev: number): Promise<boolean>;
}

/**
 * A prefix watch on etcd that survives disconnections. etcd3 re-creates its
 * watchers after a reconnect, but resumes from the last *header* revision it
 * saw, which can skip events still being replayed; this class resumes from
 * the last revision it actually delivered (or a progress notification
 * covered), and drops anything at or below it, so a reconnect neither loses
 * nor repeats events. etcd never splits one revision's events across
 * responses, so "at or below" is exact.
 */
export class EtcdWatch implements Watch {
  readonly #ctx: EtcdWatchContext;
  readonly #prefix: string;
  readonly #onEvent: (e: WatchEvent) => void;
  readonly #onError: ((err: Error) => void) | undefined;
  #watcher: Watcher | undefined;
  /** Every event up to this revision has been delivered (undefined until the first connect says where "now" is). */
  #delivered: number | undefined;
  #connected = false;
  #closed = false;
  #recreateTimer: NodeJS.Timeout | undefined;

  private constructor(
    ctx: EtcdWatchContext,
    prefix: string,
    onEvent: (e: WatchEvent) => void,
    onError: ((err: Error) => void) | undefined,
  ) {
    this.#ctx = ctx;
    this.#prefix = prefix;
    this.#onEvent = onEvent;
    this.#onError = onError;
  }

  /** Resolves once etcd has accepted the watch; rejects (and cleans up) if it does not in callTimeoutMs. */
  static async start(
    ctx: EtcdWatchContext,
    prefix: string,
    onEvent: (e: WatchEvent) => void,
    opts: { afterRevision?: number; onError?: (err: Error) => void },
  ): Promise<EtcdWatch> {
    const w = new EtcdWatch(ctx, prefix, onEvent, opts.onError);
    const after = opts.afterRevision;
    if (after !== undefined && !(await ctx.readable(after + 1))) {
      throw new CoordError(
        COORD_ERROR_CODES.compacted,
        `watch ${prefix}: revision ${after} is compacted`,
      );
    }
    w.#delivered = after;
    const watcher = w.#attach();
    try {
      await w.#firstConnect(watcher);
    } catch (err) {
      await w.close();
      throw err;
    }
    return w;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#recreateTimer);
    await this.#cancel(this.#watcher);
  }

  #attach(): Watcher {
    const range = prefixRange(this.#prefix);
    const builder = this.#ctx.client.watch().inRange({ start: range.key, end: range.range_end });
    if (this.#delivered !== undefined) builder.startRevision(String(this.#delivered + 1));
    const watcher = builder.watcher();
    watcher.on('connected', (res: IWatchResponse) => this.#onConnected(res));
    watcher.on('data', (res: IWatchResponse) => this.#onData(res));
    watcher.on('disconnected', (err: Error) => this.#onDisconnected(watcher, err));
    watcher.on('error', (err: Error) => this.#onCancelled(watcher, err));
    this.#watcher = watcher;
    return watcher;
  }

  #firstConnect(watcher: Watcher): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new CoordError(
            COORD_ERROR_CODES.unavailable,
            `etcd did not accept watch ${this.#prefix} in ${this.#ctx.callTimeoutMs} ms`,
          ),
        );
      }, this.#ctx.callTimeoutMs);
      watcher.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      watcher.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(this.#ctx.describe(err, `watch ${this.#prefix}`));
      });
    });
  }

  #onConnected(res: IWatchResponse): void {
    // A watch "from now" starts after the revision etcd created it at.
    this.#delivered ??= Number(res.header.revision);
    if (!this.#connected)
      this.#ctx.logger.debug('coord: etcd watch connected', {
        prefix: this.#prefix,
        after: this.#delivered,
      });
    this.#connected = true;
  }

  #onData(res: IWatchResponse): void {
    if (this.#closed) return;
    const seen = this.#delivered ?? 0;
    let top = seen;
    for (const ev of res.events) {
      const modRevision = Number(ev.kv.mod_revision);
      if (modRevision <= seen) continue;
      top = Math.max(top, modRevision);
      const key = ev.kv.key.toString();
      const e: WatchEvent =
        ev.type === 'Delete'
          ? { type: 'delete', key, modRevision }
          : { type: 'put', key, value: ev.kv.value.toString(), modRevision };
      try {
        this.#onEvent(e);
      } catch (err) {
        reportError(this.#onError, this.#ctx.logger, 'coord watch: event listener threw', err);
      }
    }
    // A progress notification (no events) says everything up to its header
    // revision was sent; etcd sends it only to watchers that are caught up.
    if (res.events.length === 0 && !res.created && !res.canceled)
      top = Math.max(top, Number(res.header.revision));
    this.#delivered = top;
  }

  #onDisconnected(watcher: Watcher, err: Error): void {
    if (this.#closed || watcher !== this.#watcher) return;
    // etcd3 re-sends this request when it reconnects: make it resume after
    // what was delivered, not after the last header it happened to see.
    if (this.#delivered !== undefined) watcher.request.start_revision = String(this.#delivered + 1);
    if (this.#connected) {
      this.#connected = false;
      reportError(
        this.#onError,
        this.#ctx.logger,
        'coord: etcd watch disconnected, resuming',
        this.#ctx.describe(err, `watch ${this.#prefix}`),
      );
    }
  }

  /** etcd cancelled the watcher (compaction, or a server-side refusal): re-create it. */
  #onCancelled(watcher: Watcher, err: Error): void {
    if (this.#closed || watcher !== this.#watcher) return;
    this.#connected = false;
    this.#watcher = undefined;
    const after = this.#delivered;
    const check = after === undefined ? Promise.resolve(true) : this.#ctx.readable(after + 1);
    check.then(
      (readable) => {
        if (!readable) {
          reportError(
            this.#onError,
            this.#ctx.logger,
            'coord: etcd watch history compacted',
            new CoordError(
              COORD_ERROR_CODES.compacted,
              `watch ${this.#prefix}: events after ${after} were compacted; continuing from now, re-read the state`,
            ),
          );
          this.#delivered = undefined;
        } else {
          reportError(
            this.#onError,
            this.#ctx.logger,
            'coord: etcd cancelled a watch',
            this.#ctx.describe(err, `watch ${this.#prefix}`),
          );
        }
        this.#scheduleRecreate();
      },
      () => this.#scheduleRecreate(),
    );
  }

  #scheduleRecreate(): void {
    if (this.#closed) return;
    this.#recreateTimer = setTimeout(() => {
      if (!this.#closed) this.#attach();
    }, RECREATE_DELAY_MS);
  }

  /** Cancel without hanging on a frozen server: etcd3 waits for the server's confirmation. */
  async #cancel(watcher: Watcher | undefined): Promise<void> {
    if (watcher === undefined) return;
    const cancelled = watcher.cancel().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      cancelled,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#ctx.callTimeoutMs))),
    ]);
    clearTimeout(timer);
  }
}
