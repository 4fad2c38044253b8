/**
 * Helpers shared by the query tests (not exported from the index): a small
 * in-memory SeriesSource, error assertions, and naive reference
 * implementations the evaluator is compared with.
 */
import assert from 'node:assert/strict';
import { parseName } from '../model/index.js';
import type { MetricName, Selector, Semantics } from '../model/index.js';
import { QueryError } from './errors.js';
import type { ResultSeries, SeriesRef, SeriesSource } from './types.js';

type Points = [number, number][];

/** One in-memory series; records every read so tests can check the ranges asked for. */
export class MemorySeries implements SeriesRef {
  readonly name: MetricName;
  readonly unit: string;
  readonly semantics: Semantics;
  readonly points: Points;
  readonly reads: [number, number][] = [];

  constructor(name: string, points: Points, unit: string, semantics: Semantics) {
    this.name = parseName(name);
    this.points = points;
    this.unit = unit;
    this.semantics = semantics;
  }

  read(fromMs: number, toMs: number): Points {
    this.reads.push([fromMs, toMs]);
    return this.points.filter(([t]) => t >= fromMs && t <= toMs).map(([t, v]) => [t, v]);
  }
}

/** A SeriesSource over a list of in-memory series. */
export class MemorySource implements SeriesSource {
  readonly series: MemorySeries[] = [];
  selects = 0;

  /** Add a series; `semantics` defaults to instant and `unit` to ''. */
  add(name: string, points: Points, options: { unit?: string; semantics?: Semantics } = {}): this {
    this.series.push(
      new MemorySeries(name, points, options.unit ?? '', options.semantics ?? 'instant'),
    );
    return this;
  }

  select(selector: Selector): SeriesRef[] {
    this.selects += 1;
    return this.series.filter((s) => selector.matches(s.name));
  }
}

/** Points `[t, f(t)]` for t = from, from + every, … ≤ to. */
export function regular(
  fromMs: number,
  toMs: number,
  everyMs: number,
  f: (t: number) => number,
): Points {
  const out: Points = [];
  for (let t = fromMs; t <= toMs; t += everyMs) out.push([t, f(t)]);
  return out;
}

/** Assert `fn` throws a QueryError with `code` and (when given) `offset` named in the message. */
export function assertQueryError(
  fn: () => unknown,
  code: string,
  offset?: number,
  fragment?: string,
): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof QueryError, `expected a QueryError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (offset !== undefined) {
      assert.equal(err.offset, offset, err.message);
      assert.match(err.message, new RegExp(`at offset ${offset}$`));
    }
    if (fragment !== undefined) assert.ok(err.message.includes(fragment), err.message);
    return true;
  });
}

/** Assert two point lists are equal, values within a relative 1e-9. */
export function assertPointsClose(actual: Points, expected: Points, what = 'points'): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`,
  );
  actual.forEach(([t, v], i) => {
    const [et, ev] = expected[i] as [number, number];
    assert.equal(t, et, `${what}[${i}] time`);
    if (Number.isNaN(ev)) return assert.ok(Number.isNaN(v), `${what}[${i}] = ${v}, expected NaN`);
    const tol = 1e-9 * Math.max(1, Math.abs(ev));
    assert.ok(Math.abs(v - ev) <= tol, `${what}[${i}] at ${t}: ${v} vs ${ev}`);
  });
}

/** The series of a result by name (fails when it is missing). */
export function byName(result: readonly ResultSeries[], name: string): ResultSeries {
  const s = result.find((r) => r.name === name);
  assert.ok(s, `no series ${name} in ${JSON.stringify(result.map((r) => r.name))}`);
  return s;
}

/**
 * Naive reference of a function over time at one time `t`: scans every
 * sample, written from the definitions in docs/query.md rather than from the
 * evaluator's two-pointer code.
 */
export function referenceWindow(
  fn: string,
  points: Points,
  t: number,
  windowMs: number,
  maxSpanMs: number,
  counter: boolean,
): number | undefined {
  const inWindow = (ts: number): boolean => ts > t - windowMs && ts <= t;
  const values = points.filter(([ts]) => inWindow(ts)).map(([, v]) => v);
  const pairs: { d: number; raw: number; dt: number }[] = [];
  for (let i = 1; i < points.length; i += 1) {
    const [t0, v0] = points[i - 1] as [number, number];
    const [t1, v1] = points[i] as [number, number];
    if (!inWindow(t1) || t1 - t0 <= 0 || t1 - t0 > maxSpanMs) continue;
    pairs.push({ d: counter && v1 < v0 ? v1 : v1 - v0, raw: v1 - v0, dt: t1 - t0 });
  }
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  if (['rate', 'irate', 'increase', 'delta'].includes(fn)) {
    if (pairs.length === 0) return undefined;
    const last = pairs[pairs.length - 1] as { d: number; dt: number };
    if (fn === 'irate') return (last.d / last.dt) * 1000;
    if (fn === 'delta') return sum(pairs.map((p) => p.raw));
    const inc = sum(pairs.map((p) => p.d));
    return fn === 'increase' ? inc : (inc / sum(pairs.map((p) => p.dt))) * 1000;
  }
  if (values.length === 0) return undefined;
  if (fn === 'count_over_time') return values.length;
  if (fn === 'last_over_time') return values[values.length - 1];
  if (fn === 'sum_over_time') return sum(values);
  if (fn === 'avg_over_time') return sum(values) / values.length;
  return fn === 'min_over_time' ? Math.min(...values) : Math.max(...values);
}

/** Naive reference of sampling one grid time, from the definitions in docs/query.md. */
export function referenceSample(
  mode: 'nearest' | 'linear' | 'none' | 'hold',
  points: Points,
  t: number,
  stepMs: number,
  maxGapMs: number,
): number | undefined {
  const before = points.filter(([ts]) => ts <= t).at(-1);
  const after = points.find(([ts]) => ts >= t);
  if (mode === 'none')
    return before !== undefined && t - before[0] < stepMs ? before[1] : undefined;
  if (mode === 'hold')
    return before !== undefined && t - before[0] <= maxGapMs ? before[1] : undefined;
  if (mode === 'linear') {
    if (before === undefined || after === undefined) return undefined;
    if (before[0] === t) return before[1];
    if (after[0] - before[0] > maxGapMs) return undefined;
    return before[1] + ((after[1] - before[1]) * (t - before[0])) / (after[0] - before[0]);
  }
  const candidates = points.filter(([ts]) => Math.abs(ts - t) <= stepMs);
  if (candidates.length === 0) return undefined;
  // Closest wins; on a tie the earlier one (filter keeps time order, reduce keeps the first).
  return candidates.reduce((best, p) => (Math.abs(p[0] - t) < Math.abs(best[0] - t) ? p : best))[1];
}
