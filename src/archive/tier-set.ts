import type { SetSample } from '../model/index.js';
import type { ArchiveCatalog } from './catalog.js';
import type { ProblemLog } from './problem-log.js';
import type { SeriesQuery } from './series-query.js';
import type { SetVersion } from './set-version.js';
import { HOUR_TIER, MINUTE_TIER, tierLayout } from './tier-schema.js';
import type { DownsampledTier } from './tier-schema.js';
import { TierStore } from './tier-store.js';

/**
 * The writer's downsampled tiers: raw samples fold into minute buckets, and
 * each stored minute row folds into the hour bucket (min of mins, sums of
 * sums: exact). Crash safety: tier rows are not logged; on open the minute
 * tier is rebuilt from the raw samples after its last stored row (at most
 * one chunk, an hour, plus the open bucket) and the hour tier from the
 * minute rows after its last one. What raw retention already removed is
 * not rebuilt.
 */
export class TierSet {
  readonly minute: TierStore;
  readonly hour: TierStore;

  private constructor(minute: TierStore, hour: TierStore) {
    this.minute = minute;
    this.hour = hour;
    minute.next = (v, t, row) => hour.feed.addRow(hour.catalog.versionOf(v.set), t, row);
  }

  static async open(dir: string, maxOpen: number, problems: ProblemLog): Promise<TierSet> {
    const minute = await TierStore.open(dir, MINUTE_TIER, maxOpen, problems);
    const hour = await TierStore.open(dir, HOUR_TIER, maxOpen, problems);
    return new TierSet(minute, hour);
  }

  get stores(): readonly TierStore[] {
    return [this.minute, this.hour];
  }

  store(tier: DownsampledTier): TierStore {
    return tier === '1m' ? this.minute : this.hour;
  }

  /** Fold an accepted raw sample of `version`. */
  add(version: SetVersion, sample: SetSample): void {
    const layout = tierLayout(version.set);
    if (layout === undefined) return;
    const v = this.minute.catalog.versionOf(layout.set);
    this.minute.feed.addSample(v, layout.sourceLanes, sample.timestampMs, sample.values);
  }

  /**
   * Rebuild what a crash (or a close) left unstored: hour buckets from the
   * stored minute rows, then minute buckets from the raw samples (whose new
   * rows go on to the hour tier). `rawQuery` and `tierQuery` read the raw
   * and minute catalogs.
   */
  rebuild(raw: ArchiveCatalog, rawQuery: SeriesQuery, tierQuery: SeriesQuery): void {
    for (const tl of this.minute.catalog.timelines.values()) {
      const from = this.hour.resumeMs(tl.key);
      this.hour.feed.resumeAt(tl.key, from);
      for (const r of tierQuery.rows(tl, from - 1)) {
        const v = this.hour.catalog.versionOf(r.set);
        this.hour.feed.addRow(v, r.sample.timestampMs, r.sample.values);
      }
    }
    for (const tl of raw.timelines.values()) {
      const from = this.minute.resumeMs(tl.key);
      this.minute.feed.resumeAt(tl.key, from);
      for (const r of rawQuery.rows(tl, from - 1)) {
        this.add(raw.versionOf(r.set), r.sample);
      }
    }
  }

  pending(): boolean {
    return this.minute.pending() || this.hour.pending();
  }

  sealOpen(): void {
    for (const t of this.stores) t.sealOpen();
  }

  /** Write sealed tier chunks (minute first: an hour row never gets ahead of its minutes on disk). */
  async writeReady(): Promise<number> {
    let n = 0;
    for (const t of this.stores) n += await t.writeReady();
    return n;
  }

  async close(): Promise<void> {
    for (const t of this.stores) await t.store.close();
  }
}
