import { formatName } from '../model/index.js';
import type { FunctionExpr, RangeFunction, SelectorExpr } from './ast.js';
import { chargeSamples } from './context.js';
import type { EvalContext } from './context.js';
import { queryTooLarge } from './errors.js';
import { DEFAULT_WINDOW_MS } from './limits.js';
import { sampleHold, sampleLinear, sampleNearest } from './sampling.js';
import { seriesLabels } from './series-labels.js';
import type { ResultSeries, SeriesRef, SeriesSource } from './types.js';
import { evalWindows, usesDeltas } from './windows.js';

type Points = [number, number][];

interface Selected {
  readonly ref: SeriesRef;
  readonly name: string;
}

/** The unit of a per-second rate of `unit`. */
export function perSecond(unit: string): string {
  return `${unit}/s`;
}

function selectRefs(node: SelectorExpr, source: SeriesSource, ctx: EvalContext): Selected[] {
  const refs = source.select(node.selector);
  if (refs.length > ctx.maxSeries) {
    throw queryTooLarge(
      `selector ${node.selector.toString()} selects ${refs.length} series, more than maxSeries ${ctx.maxSeries}`,
    );
  }
  const named = refs.map((ref) => ({ ref, name: formatName(ref.name) }));
  return named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function read(ref: SeriesRef, fromMs: number, toMs: number, ctx: EvalContext): Points {
  const points = ref.read(fromMs, toMs);
  chargeSamples(ctx, points.length);
  return points;
}

function checkRawCount(count: number, name: string, ctx: EvalContext): void {
  if (count > ctx.maxPoints) {
    throw queryTooLarge(
      `series ${name} has ${count} raw points in the range, more than maxPoints ${ctx.maxPoints}; give a step`,
    );
  }
}

function inRange(points: Points, ctx: EvalContext): Points {
  return points.filter(([t]) => t >= ctx.fromMs && t <= ctx.toMs);
}

/** Sample an instant/discrete series on the grid by the chosen interpolation. */
function sampleOnGrid(
  sel: Selected,
  grid: readonly number[],
  step: number,
  ctx: EvalContext,
): Points {
  const first = grid[0];
  const last = grid[grid.length - 1];
  if (first === undefined || last === undefined) return [];
  const reach = ctx.interpolation === 'linear' ? ctx.maxGapMs : step;
  const ahead = ctx.interpolation === 'none' ? 0 : reach;
  const points = read(sel.ref, first - reach, last + ahead, ctx);
  if (ctx.interpolation === 'nearest') return sampleNearest(points, grid, step);
  if (ctx.interpolation === 'none') return sampleHold(points, grid, step, true);
  return sel.ref.semantics === 'discrete'
    ? sampleHold(points, grid, ctx.maxGapMs, false)
    : sampleLinear(points, grid, ctx.maxGapMs);
}

/**
 * A function over time for one series, at the grid times or, without a
 * step, at the series' own sample times within the range.
 */
function windowed(sel: Selected, fn: RangeFunction, windowMs: number, ctx: EvalContext): Points {
  const maxSpanMs = Math.max(windowMs, ctx.maxGapMs);
  const spec = { fn, windowMs, maxSpanMs, counter: sel.ref.semantics === 'counter' };
  // A delta function also needs the sample before the first one in the window.
  const lookback = windowMs + (usesDeltas(fn) ? maxSpanMs : 0);
  const charge = (n: number): void => chargeSamples(ctx, n);
  if (ctx.grid !== undefined) {
    const first = ctx.grid[0];
    const last = ctx.grid[ctx.grid.length - 1];
    if (first === undefined || last === undefined) return [];
    return evalWindows(spec, read(sel.ref, first - lookback, last, ctx), ctx.grid, charge);
  }
  const points = read(sel.ref, ctx.fromMs - lookback, ctx.toMs, ctx);
  const times = inRange(points, ctx).map(([t]) => t);
  checkRawCount(times.length, sel.name, ctx);
  return evalWindows(spec, points, times, charge);
}

/**
 * A plain selector: raw points without a step; with a step, counters become
 * per-second rates over each step and other series are sampled on the grid.
 */
export function evalSelector(
  node: SelectorExpr,
  source: SeriesSource,
  ctx: EvalContext,
): ResultSeries[] {
  return selectRefs(node, source, ctx).map((sel) => {
    const labels = seriesLabels(sel.ref.name);
    const { grid, stepMs } = ctx;
    if (grid === undefined || stepMs === undefined) {
      const points = inRange(read(sel.ref, ctx.fromMs, ctx.toMs, ctx), ctx);
      checkRawCount(points.length, sel.name, ctx);
      return { name: sel.name, labels, unit: sel.ref.unit, points };
    }
    if (sel.ref.semantics === 'counter') {
      const points = windowed(sel, 'rate', stepMs, ctx);
      return { name: sel.name, labels, unit: perSecond(sel.ref.unit), points };
    }
    return {
      name: sel.name,
      labels,
      unit: sel.ref.unit,
      points: sampleOnGrid(sel, grid, stepMs, ctx),
    };
  });
}

function functionUnit(fn: RangeFunction, unit: string): string {
  if (fn === 'rate' || fn === 'irate') return perSecond(unit);
  return fn === 'count_over_time' ? '' : unit;
}

/** `rate(x)`, `avg_over_time(x[5m])`, …; the window is the `[…]`, else the step, else 60 s. */
export function evalFunction(
  node: FunctionExpr,
  source: SeriesSource,
  ctx: EvalContext,
): ResultSeries[] {
  const windowMs = node.arg.rangeMs ?? ctx.stepMs ?? DEFAULT_WINDOW_MS;
  return selectRefs(node.arg, source, ctx).map((sel) => ({
    name: sel.name,
    labels: seriesLabels(sel.ref.name),
    unit: functionUnit(node.fn, sel.ref.unit),
    points: windowed(sel, node.fn, windowMs, ctx),
  }));
}
