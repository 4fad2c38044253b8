import type { RangeSeries, Selector, SetInstance } from '../model/index.js';
import { formatName } from '../model/index.js';
import type { SeriesRef } from '../query/index.js';
import { nameTemplates } from './live-set.js';
import type { NameTemplate } from './live-set.js';

/** What queries need of an archive (ArchiveWriter and ArchiveReader both have it). */
export interface ArchiveQueryable {
  sets(): readonly { key: string; set: SetInstance; firstMs: number; lastMs: number }[];
  range(
    key: string,
    metric: number,
    fromMs: number,
    toMs: number,
    limit?: number,
  ): [number, number][];
  /** Downsampled points (per minute or hour) of a metric. */
  rangeTier?(
    key: string,
    metric: number,
    fromMs: number,
    toMs: number,
    tier: '1m' | '1h',
  ): readonly { t: number; avg: number; last: number }[];
}

/**
 * Which tier a read uses: raw unless a step of a minute or more is asked for
 * and a downsampled tier fits it (the archive's own rule, passed in).
 */
export type TierChoice = (stepMs: number, fromMs: number) => 'raw' | '1m' | '1h';

/** A read of metric `i` of archived set `key`, from the tier that fits the step. */
function reader(
  archive: ArchiveQueryable,
  key: string,
  i: number,
  counter: boolean,
  tier: 'raw' | '1m' | '1h',
): SeriesRef['read'] {
  if (tier === 'raw' || !archive.rangeTier) return (from, to) => archive.range(key, i, from, to);
  const rangeTier = archive.rangeTier.bind(archive);
  // A counter's tier keeps its last value per bucket, so rates still work; a gauge reads as its average.
  return (from, to) =>
    rangeTier(key, i, from, to, tier).map((p): [number, number] => [p.t, counter ? p.last : p.avg]);
}

const templatesOf = new WeakMap<SetInstance, NameTemplate[]>();

function templates(set: SetInstance): NameTemplate[] {
  let t = templatesOf.get(set);
  if (!t) {
    t = nameTemplates(set);
    templatesOf.set(set, t);
  }
  return t;
}

/** Query refs over the archived numeric series the selector matches (and that overlap the time span). */
export function archiveRefs(
  archive: ArchiveQueryable,
  selector: Selector,
  fromMs = -Infinity,
  toMs = Infinity,
  tier: 'raw' | '1m' | '1h' = 'raw',
): SeriesRef[] {
  const out: SeriesRef[] = [];
  for (const a of archive.sets()) {
    const set = a.set;
    if (set.kind !== undefined || a.lastMs < fromMs || a.firstMs > toMs) continue;
    if (!selector.matchesSetPrefix(set.ous, set.host, set.groups)) continue;
    templates(set).forEach((tpl, i) => {
      const m = set.schema.metrics[i]!;
      if (m.type === 'string') return;
      const name = { ous: set.ous, host: set.host, groups: tpl.groups, metric: tpl.metric };
      if (!selector.matches(name)) return;
      out.push({
        name,
        unit: m.unit,
        semantics: m.semantics,
        read: reader(archive, a.key, i, m.semantics === 'counter', tier),
      });
    });
  }
  return out;
}

/** Merge two ascending point lists, keeping one point per timestamp. */
export function unionPoints(a: [number, number][], b: [number, number][]): [number, number][] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const pa = a[i];
    const pb = b[j];
    if (pb === undefined || (pa !== undefined && pa[0] < pb[0])) {
      out.push(pa!);
      i++;
    } else if (pa === undefined || pb[0] < pa[0]) {
      out.push(pb);
      j++;
    } else {
      out.push(pa);
      i++;
      j++;
    }
  }
  return out;
}

const keyOf = (r: SeriesRef): string => formatName(r.name);

/**
 * History and live data as one: for each series, the archive's points and the
 * live window's, merged by timestamp (the live window may be a moment ahead of
 * the archive's sync; the archive reaches further back).
 */
export function combineRefs(live: SeriesRef[], archived: SeriesRef[]): SeriesRef[] {
  const byName = new Map<string, SeriesRef>();
  for (const r of archived) byName.set(keyOf(r), r);
  for (const r of live) {
    const old = byName.get(keyOf(r));
    byName.set(
      keyOf(r),
      old ? { ...r, read: (from, to) => unionPoints(old.read(from, to), r.read(from, to)) } : r,
    );
  }
  return [...byName.values()];
}

/** Range answers from refs (the `/api/range` shape). */
export function rangeFromRefs(
  refs: SeriesRef[],
  fromMs: number,
  toMs: number,
  limit: number,
): RangeSeries[] {
  const out: RangeSeries[] = [];
  for (const r of refs) {
    if (out.length >= limit) break;
    out.push({
      name: formatName(r.name),
      unit: r.unit,
      semantics: r.semantics,
      points: r.read(fromMs, toMs),
    });
  }
  return out;
}
