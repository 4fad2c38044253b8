import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { toError } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import { schemaDigest } from '../model/index.js';
import type { Store, StoredItem } from './store.js';

export interface CsvStoreOptions {
  dir: string;
  /** Schemas this store takes (regex over the schema name); all when absent. */
  schemas?: RegExp;
  /** A new file per schema every this many ms of sample time (default one day). */
  rotateMs?: number;
  /** Buffered rows are written at least this often (default 1 s). */
  flushMs?: number;
  clock: Clock;
  logger: Logger;
}

interface OpenFile {
  path: string;
  handle: Promise<FileHandle>;
  pending: string[];
}

const DAY_MS = 86_400_000;

/** Quote a CSV field when it needs it (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header of a schema's file: fixed columns, then one per metric with its unit. */
export function csvHeader(set: SetInstance): string {
  const metrics = set.schema.metrics.map((m) =>
    csvField(m.unit ? `${m.name} (${m.unit})` : m.name),
  );
  return ['timestamp_ms', 'time', 'ou', 'host', 'groups', ...metrics].join(',') + '\n';
}

/** One row: numbers as JavaScript prints them (exact round trip), strings quoted as needed. */
export function csvRow(item: StoredItem): string {
  const { set, sample } = item;
  const cells = [
    String(sample.timestampMs),
    new Date(sample.timestampMs).toISOString(),
    csvField(set.ous.join(':')),
    csvField(set.host),
    csvField(set.groups.join(':')),
  ];
  for (let i = 0; i < sample.values.length; i++) {
    const s = sample.strings?.[i];
    cells.push(s !== undefined ? csvField(s) : String(sample.values[i]));
  }
  return cells.join(',') + '\n';
}

/**
 * The CSV store (LDMS store_csv): one file per schema layout and period under
 * `dir/<schema>/`, a header naming every column with its unit, one row per
 * set sample. Rows are buffered and appended in the background.
 */
export class CsvStore implements Store {
  readonly name = 'csv';
  readonly durable = false;
  readonly #o: CsvStoreOptions;
  readonly #files = new Map<string, OpenFile>();
  readonly #layouts = new WeakMap<SetInstance, string>();
  #timer: TimerHandle | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #rows = 0;
  #errors = 0;

  constructor(options: CsvStoreOptions) {
    this.#o = options;
    mkdirSync(options.dir, { recursive: true });
    this.#schedule();
  }

  accepts(set: SetInstance): boolean {
    return this.#o.schemas === undefined || this.#o.schemas.test(set.schema.name);
  }

  write(items: readonly StoredItem[]): void {
    for (const item of items) {
      if (!this.accepts(item.set)) continue;
      this.#file(item).pending.push(csvRow(item));
      this.#rows++;
    }
  }

  #layout(set: SetInstance): string {
    let l = this.#layouts.get(set);
    if (l === undefined) {
      l = `${set.schema.name}-${schemaDigest(set.schema).slice(0, 8)}`;
      this.#layouts.set(set, l);
    }
    return l;
  }

  #file(item: StoredItem): OpenFile {
    const rotate = this.#o.rotateMs ?? DAY_MS;
    const period = Math.floor(item.sample.timestampMs / rotate) * rotate;
    const layout = this.#layout(item.set);
    const key = `${layout}@${period}`;
    let f = this.#files.get(key);
    if (!f) {
      const dir = join(this.#o.dir, item.set.schema.name);
      mkdirSync(dir, { recursive: true });
      const stamp = new Date(period).toISOString().replace(/[-:]/g, '').slice(0, 15);
      const path = join(dir, `${layout}-${stamp}.csv`);
      const header = csvHeader(item.set);
      f = { path, pending: [], handle: openWithHeader(path, header) };
      this.#files.set(key, f);
    }
    return f;
  }

  #schedule(): void {
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#flushing = this.#flushing.then(() => this.flush()).finally(() => this.#schedule());
    }, this.#o.flushMs ?? 1000);
  }

  /** Append every buffered row. Failures are logged and counted, never thrown at ingestion. */
  async flush(): Promise<void> {
    for (const f of this.#files.values()) {
      if (f.pending.length === 0) continue;
      const text = f.pending.join('');
      f.pending = [];
      try {
        await (await f.handle).appendFile(text);
      } catch (err) {
        this.#errors++;
        this.#o.logger.error('csv store write failed', { file: f.path, error: toError(err) });
      }
    }
  }

  stats(): Record<string, number> {
    return { rows: this.#rows, files: this.#files.size, errors: this.#errors };
  }

  async close(): Promise<void> {
    this.#timer?.cancel();
    await this.#flushing;
    await this.flush();
    for (const f of this.#files.values()) await (await f.handle).close().catch(() => undefined);
    this.#files.clear();
  }
}

/** Open for append; a new (empty) file gets the header first. */
async function openWithHeader(path: string, header: string): Promise<FileHandle> {
  const handle = await open(path, 'a');
  if ((await handle.stat()).size === 0) await handle.appendFile(header);
  return handle;
}
