import type { RangeSeries, Selector } from '../model/index.js';
import { parseName } from '../model/index.js';
import type { SeriesRef, SeriesSource } from '../query/index.js';
import type { LiveStore } from './live-store.js';

/** The live tree as a query source: every numeric metric the selector matches. */
export function liveSeriesSource(store: LiveStore): SeriesSource {
  return { select: (selector) => store.refs(selector) };
}

/**
 * Series fetched from elsewhere (a delegate's raw answer) as query refs; the
 * points are already in memory, `read` only cuts the range.
 */
export function fetchedRefs(series: readonly RangeSeries[]): SeriesRef[] {
  return series.map((s) => ({
    name: parseName(s.name),
    unit: s.unit,
    semantics: s.semantics as SeriesRef['semantics'],
    read: (fromMs, toMs) => s.points.filter(([t]) => t >= fromMs && t <= toMs),
  }));
}

/** Several sources as one: each selector's refs from all of them, first source wins on a name. */
export function mergedSource(
  sources: readonly { select(selector: Selector): SeriesRef[] }[],
): SeriesSource {
  return {
    select(selector) {
      const seen = new Set<string>();
      const out: SeriesRef[] = [];
      for (const src of sources) {
        for (const ref of src.select(selector)) {
          const key = `${ref.name.ous.join(':')}::${ref.name.host}:${[...ref.name.groups, ref.name.metric].join(':')}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(ref);
        }
      }
      return out;
    },
  };
}
