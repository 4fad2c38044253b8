/** One OU-level point: the reduction over the hosts that reported a number at `timestampMs`. */
export interface SummaryPoint {
  timestampMs: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** `sum / count`. */
  avg: number;
}

/** One metric of one OU over time. */
export interface SummarySeries {
  /** Joined OU path, e.g. `Lab:A`. */
  ou: string;
  /** Path below the host, `group:…:metric`, e.g. `cpu:user`. */
  metric: string;
  unit: string;
  /** Semantics of the summed metric: a sum of counters is a counter. */
  semantics: string;
  /** Oldest first; a timestamp where no host reported a number has no point. */
  points: SummaryPoint[];
}

interface Cell {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The points of one series being collected, by timestamp. */
export type SeriesCells = Map<number, Cell>;

interface Entry {
  readonly ou: string;
  readonly metric: string;
  readonly unit: string;
  readonly semantics: string;
  readonly cells: SeriesCells;
}

/**
 * Collects partial reductions per (OU, metric, timestamp) and combines them
 * exactly: counts and sums add, min and max fold. Raw host values enter as a
 * reduction of one, so host-derived and summary-derived answers share this
 * one code path.
 */
export class SummaryCollector {
  readonly #entries = new Map<string, Entry>();

  /**
   * The series of (OU, metric), created when new: a matched metric with no
   * point in range still answers. Callers keep the handle for a whole metric,
   * so per-point work is one lookup by timestamp.
   */
  series(ou: string, metric: string, unit: string, semantics: string): SeriesCells {
    const key = `${ou}\0${metric}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { ou, metric, unit, semantics, cells: new Map() };
      this.#entries.set(key, entry);
    }
    return entry.cells;
  }

  /** Add a partial reduction; one with count 0 (nothing reported) changes nothing. */
  static add(cells: SeriesCells, t: number, part: Cell): void {
    if (!(part.count > 0)) return;
    const cell = cells.get(t);
    if (cell === undefined) {
      cells.set(t, { count: part.count, sum: part.sum, min: part.min, max: part.max });
      return;
    }
    cell.count += part.count;
    cell.sum += part.sum;
    cell.min = Math.min(cell.min, part.min);
    cell.max = Math.max(cell.max, part.max);
  }

  /** Add one host's raw value; NaN (not read) is not counted. */
  static addValue(cells: SeriesCells, t: number, v: number): void {
    if (Number.isNaN(v)) return;
    const cell = cells.get(t);
    if (cell === undefined) {
      cells.set(t, { count: 1, sum: v, min: v, max: v });
      return;
    }
    cell.count += 1;
    cell.sum += v;
    if (v < cell.min) cell.min = v;
    if (v > cell.max) cell.max = v;
  }

  /** The series sorted by OU then metric, points oldest first. */
  result(): SummarySeries[] {
    const out: SummarySeries[] = [];
    for (const e of this.#entries.values()) {
      const points = [...e.cells].map(([timestampMs, c]) => ({
        timestampMs,
        ...c,
        avg: c.sum / c.count,
      }));
      points.sort((a, b) => a.timestampMs - b.timestampMs);
      out.push({ ou: e.ou, metric: e.metric, unit: e.unit, semantics: e.semantics, points });
    }
    return out.sort((a, b) => compare(a.ou, b.ou) || compare(a.metric, b.metric));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
