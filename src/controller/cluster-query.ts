import type { CoordStore } from '../coord/index.js';
import { unionPoints } from '../aggregator/index.js';
import { parseSelector } from '../model/index.js';
import type { RangeSeries } from '../model/index.js';
import { parseHostHistory, spansIn } from './catalog.js';
import type { HostHistory, Span } from './catalog.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type { DirectoryRecord, StoredConfig } from './keys.js';

export interface HostLocation {
  host: string;
  producer: string;
  spans: (Span & { api: string | null; archiveDir: string | null; live: boolean })[];
}

export interface ClusterRange {
  series: RangeSeries[];
  /** Which aggregator answered for which host over which span. */
  sources: { aggregator: string; hosts: string[]; fromMs: number; toMs: number }[];
  /** Aggregators that could not answer (the series may have a gap there). */
  missing: { aggregator: string; error: string }[];
}

/**
 * Queries that follow hosts across failovers: the catalog says which
 * aggregator held each host when, so one range query asks each holder for its
 * span and merges the answers into one continuous series per metric.
 */
export class ClusterQuery {
  readonly #store: CoordStore;
  readonly #keys: ClusterKeys;
  readonly #timeoutMs: number;

  constructor(o: { store: CoordStore; cluster: string; timeoutMs?: number }) {
    this.#store = o.store;
    this.#keys = new ClusterKeys(o.cluster);
    this.#timeoutMs = o.timeoutMs ?? 10_000;
  }

  /** Where live data and archives of hosts matching `hostGlob` are (`canopy find`). */
  async find(hostPattern: (host: string) => boolean): Promise<HostLocation[]> {
    const [catalog, directory, members] = await Promise.all([
      this.#catalog(),
      this.#directory(),
      this.#store.list(this.#keys.members),
    ]);
    const live = new Set(members.map((kv) => this.#keys.nameOf(kv.key, this.#keys.members)));
    return catalog
      .filter((h) => hostPattern(h.host))
      .map((h) => ({
        host: h.host,
        producer: h.producer,
        spans: h.spans.map((s) => ({
          ...s,
          api: directory.get(s.aggregator)?.api ?? null,
          archiveDir: directory.get(s.aggregator)?.archiveDir ?? null,
          live: live.has(s.aggregator),
        })),
      }));
  }

  async range(selectorText: string, fromMs: number, toMs: number): Promise<ClusterRange> {
    const selector = parseSelector(selectorText);
    const config = parseRecord<StoredConfig>((await this.#store.get(this.#keys.config))?.value);
    const ousOf = new Map((config?.spec.daemons ?? []).map((d) => [d.host, d.ous]));
    const [catalog, directory] = await Promise.all([this.#catalog(), this.#directory()]);
    const plan = new Map<string, { hosts: Set<string>; fromMs: number; toMs: number }>();
    for (const h of catalog) {
      if (!selector.matchesSetPrefix(ousOf.get(h.host) ?? [], h.host, [])) continue;
      for (const s of spansIn(h, fromMs, toMs)) {
        const p = plan.get(s.aggregator) ?? {
          hosts: new Set(),
          fromMs: s.fromMs,
          toMs: s.toMs ?? toMs,
        };
        p.hosts.add(h.host);
        p.fromMs = Math.min(p.fromMs, s.fromMs);
        p.toMs = Math.max(p.toMs, s.toMs ?? toMs);
        plan.set(s.aggregator, p);
      }
    }
    const merged = new Map<string, RangeSeries>();
    const missing: ClusterRange['missing'] = [];
    const sources: ClusterRange['sources'] = [];
    await Promise.all(
      [...plan].map(async ([aggregator, p]) => {
        sources.push({ aggregator, hosts: [...p.hosts].sort(), fromMs: p.fromMs, toMs: p.toMs });
        const api = directory.get(aggregator)?.api;
        if (!api) {
          missing.push({ aggregator, error: 'no API address recorded' });
          return;
        }
        try {
          // The whole asked range: a holder may also have replayed points
          // from just before its span; duplicates merge away.
          for (const s of await this.#fetchRange(api, selectorText, fromMs, toMs)) merge(merged, s);
        } catch (err) {
          missing.push({ aggregator, error: (err as Error).message });
        }
      }),
    );
    sources.sort((a, b) => a.fromMs - b.fromMs);
    const series = [...merged.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return { series, sources, missing };
  }

  async #fetchRange(
    api: string,
    select: string,
    fromMs: number,
    toMs: number,
  ): Promise<RangeSeries[]> {
    const url = `${api}/api/range?select=${encodeURIComponent(select)}&from=${fromMs}&to=${toMs}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    const body = (await res.json()) as { series?: RangeSeries[]; error?: { message: string } };
    if (!res.ok || !Array.isArray(body.series))
      throw new Error(body.error?.message ?? `HTTP ${res.status} from ${api}`);
    return body.series;
  }

  async #catalog(): Promise<HostHistory[]> {
    const out: HostHistory[] = [];
    for (const kv of await this.#store.list(this.#keys.catalog)) {
      const h = parseHostHistory(parseRecord(kv.value));
      if (h) out.push(h);
    }
    return out;
  }

  async #directory(): Promise<Map<string, DirectoryRecord>> {
    const out = new Map<string, DirectoryRecord>();
    for (const kv of await this.#store.list(this.#keys.directory)) {
      const r = parseRecord<DirectoryRecord>(kv.value);
      if (r) out.set(this.#keys.nameOf(kv.key, this.#keys.directory), r);
    }
    return out;
  }
}

function merge(into: Map<string, RangeSeries>, s: RangeSeries): void {
  const had = into.get(s.name);
  into.set(s.name, had ? { ...had, points: unionPoints(had.points, s.points) } : s);
}
