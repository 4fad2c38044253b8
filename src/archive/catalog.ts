import { schemaDigest, setInstanceKey } from '../model/index.js';
import type { SetInstance } from '../model/index.js';
import { SeriesTimeline } from './series-timeline.js';
import type { SegmentSource } from './series-timeline.js';
import { makeVersion } from './set-version.js';
import type { SetVersion } from './set-version.js';

/** A set as listed by `sets()`: its latest instance and the time its data spans. */
export interface ArchivedSet {
  readonly key: string;
  readonly set: SetInstance;
  readonly firstMs: number;
  readonly lastMs: number;
}

/**
 * The sets of an archive: one SeriesTimeline per set key, and the versions
 * (key + schema digest) that segments and WAL files refer to by local ids.
 */
export class ArchiveCatalog {
  readonly timelines = new Map<string, SeriesTimeline>();
  readonly #versions = new Map<string, SetVersion>();
  // Producers keep the same SetInstance object while a layout holds, so the
  // key and digest (a SHA-256) are computed once per object, not per sample.
  readonly #bySet = new WeakMap<SetInstance, SetVersion>();

  /** The version of a set instance, created on first sight. */
  versionOf(set: SetInstance): SetVersion {
    let v = this.#bySet.get(set);
    if (v !== undefined) return v;
    const key = setInstanceKey(set);
    const digest = schemaDigest(set.schema);
    const id = `${key}\u0000${digest}`;
    v = this.#versions.get(id);
    if (v === undefined) {
      v = makeVersion(set, key, digest);
      this.#versions.set(id, v);
    }
    this.#bySet.set(set, v);
    return v;
  }

  /** The timeline of `key`, created on first use. */
  timeline(key: string): SeriesTimeline {
    let tl = this.timelines.get(key);
    if (tl === undefined) {
      tl = new SeriesTimeline(key);
      this.timelines.set(key, tl);
    }
    return tl;
  }

  /** Forget the chunks of a deleted segment in every timeline. */
  dropSegment(segment: SegmentSource): void {
    for (const tl of this.timelines.values()) tl.dropSegment(segment);
  }

  /** Every set with data, in key order. */
  sets(): ArchivedSet[] {
    const out: ArchivedSet[] = [];
    for (const tl of this.timelines.values()) {
      const latest = tl.latest;
      // A set whose data all aged out (firstMs back to Infinity) is no longer listed.
      if (latest === undefined || tl.lastMs === -Infinity || tl.firstMs === Infinity) continue;
      out.push({ key: tl.key, set: latest.set, firstMs: tl.firstMs, lastMs: tl.lastMs });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
