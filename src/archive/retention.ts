import type { ArchiveCatalog } from './catalog.js';
import type { SegmentReads } from './segment-reads.js';
import type { SegmentStore } from './segment-store.js';
import { HOUR_TIER, MINUTE_TIER } from './tier-schema.js';
import type { TierName } from './tier-schema.js';

/** How long each store keeps its data, in ms of sample time before now (Infinity: forever). */
export interface Retention {
  readonly rawMs: number;
  readonly minuteMs: number;
  readonly hourMs: number;
}

const DAY_MS = 86_400_000;

/** Raw samples 14 days, minute buckets a year, hour buckets five years. */
export const DEFAULT_RETENTION: Retention = {
  rawMs: 14 * DAY_MS,
  minuteMs: 365 * DAY_MS,
  hourMs: 5 * 365 * DAY_MS,
};

const BUCKET_MS: Readonly<Record<TierName, number>> = {
  raw: 0,
  '1m': MINUTE_TIER.bucketMs,
  '1h': HOUR_TIER.bucketMs,
};

/** The retention of one store. */
export function retentionOf(r: Retention, tier: TierName): number {
  return tier === 'raw' ? r.rawMs : tier === '1m' ? r.minuteMs : r.hourMs;
}

/**
 * The store a query with points every `stepMs` from `fromMs` should read:
 * the coarsest whose bucket is at most the step and whose retention still
 * covers `fromMs` (so raw for steps below a minute). When none of those
 * reaches back to `fromMs`, the finest store that does (the only one that
 * still has the start of the range), or the hour tier when none does.
 */
export function pickTier(
  stepMs: number,
  fromMs: number,
  nowMs: number,
  retention: Retention = DEFAULT_RETENTION,
): TierName {
  const order: readonly TierName[] = ['1h', '1m', 'raw'];
  const covers = (t: TierName): boolean => fromMs >= nowMs - retentionOf(retention, t);
  for (const t of order) if (BUCKET_MS[t] <= stepMs && covers(t)) return t;
  for (let i = order.length - 1; i >= 0; i--) if (covers(order[i]!)) return order[i]!;
  return '1h';
}

/** A store with its catalog, segment window and retention. */
export interface RetainedStore {
  readonly store: SegmentStore;
  readonly catalog: ArchiveCatalog;
  readonly segmentMs: number;
  readonly keepMs: number;
}

/** Expire every store's segments older than its retention before `nowMs`; returns the number deleted. */
export async function expireStores(
  stores: readonly RetainedStore[],
  reads: SegmentReads,
  nowMs: number,
): Promise<number> {
  let n = 0;
  for (const s of stores) {
    n += await expireSegments(s.store, s.catalog, reads, s.segmentMs, nowMs - s.keepMs);
  }
  return n;
}

/**
 * Delete the segments of `store` whose every sample is older than
 * `cutoffMs` (seg and idx unlinked; readers holding them open keep
 * reading) and forget their chunks. The caller makes sure no write to the
 * store is in progress. Returns the number of segments removed.
 */
export async function expireSegments(
  store: SegmentStore,
  catalog: ArchiveCatalog,
  reads: SegmentReads,
  segmentMs: number,
  cutoffMs: number,
): Promise<number> {
  let removed = 0;
  for (const seg of [...store.segments.values()]) {
    // A segment without chunks (a header only) spans at most its window.
    const end = seg.maxMs === -Infinity ? seg.startMs + segmentMs - 1 : seg.maxMs;
    if (!(end < cutoffMs)) continue;
    catalog.dropSegment(seg);
    reads.forget(seg.path);
    await store.remove(seg);
    removed++;
  }
  return removed;
}
