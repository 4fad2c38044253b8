import { invalidOption, queryTooLarge } from './errors.js';
import { DEFAULT_MAX_GAP_MS, QUERY_LIMITS } from './limits.js';
import type { EvaluateOptions, Interpolation } from './types.js';
import { INTERPOLATIONS } from './types.js';

/** Everything one evaluation needs besides the expression and the source. */
export interface EvalContext {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number | undefined;
  /** Output times when there is a step: `ceil(fromMs/step)*step … toMs`. */
  readonly grid: readonly number[] | undefined;
  readonly interpolation: Interpolation;
  readonly maxGapMs: number;
  readonly maxPoints: number;
  readonly maxSeries: number;
  readonly maxSamples: number;
  /** Samples charged so far (read and visited), against maxSamples. */
  samples: number;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidOption(`${what} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function positive(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = finite(value, what);
  if (n <= 0) throw invalidOption(`${what} must be > 0, got ${n}`);
  return n;
}

/** Grid times for a step; fails before any work when there would be too many. */
export function stepGrid(
  fromMs: number,
  toMs: number,
  stepMs: number,
  maxPoints: number,
): number[] {
  // `+ 0` turns the -0 of ceil(-0.5) * step into 0.
  const start = Math.ceil(fromMs / stepMs) * stepMs + 0;
  const count = start > toMs ? 0 : Math.floor((toMs - start) / stepMs) + 1;
  if (count > maxPoints) {
    throw queryTooLarge(
      `a step of ${stepMs} ms gives ${count} points per series, more than maxPoints ${maxPoints}; use a larger step or a shorter range`,
    );
  }
  return Array.from({ length: count }, (_, i) => start + i * stepMs);
}

/** Validate the options (they may come straight from an HTTP request) and fill in defaults. */
export function makeContext(options: EvaluateOptions): EvalContext {
  if (typeof options !== 'object' || options === null) throw invalidOption('options are required');
  const fromMs = finite(options.fromMs, 'fromMs');
  const toMs = finite(options.toMs, 'toMs');
  if (fromMs > toMs) throw invalidOption(`fromMs ${fromMs} is after toMs ${toMs}`);
  const stepMs = options.stepMs === undefined ? undefined : positive(options.stepMs, 'stepMs', 1);
  const interpolation = options.interpolation ?? 'nearest';
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw invalidOption(
      `interpolation must be one of ${INTERPOLATIONS.join(', ')}, got ${String(interpolation)}`,
    );
  }
  const maxPoints = positive(options.maxPoints, 'maxPoints', QUERY_LIMITS.maxPoints);
  const defaultGap = Math.max(DEFAULT_MAX_GAP_MS, 2 * (stepMs ?? 0));
  return {
    fromMs,
    toMs,
    stepMs,
    grid: stepMs === undefined ? undefined : stepGrid(fromMs, toMs, stepMs, maxPoints),
    interpolation,
    maxGapMs: positive(options.maxGapMs, 'maxGapMs', defaultGap),
    maxPoints,
    maxSeries: positive(options.maxSeries, 'maxSeries', QUERY_LIMITS.maxSeries),
    maxSamples: positive(options.maxSamples, 'maxSamples', QUERY_LIMITS.maxSamples),
    samples: 0,
  };
}

/** Count `n` samples of work; throws CANOPY_ERR_QUERY_TOO_LARGE past maxSamples. */
export function chargeSamples(ctx: EvalContext, n: number): void {
  ctx.samples += n;
  if (ctx.samples > ctx.maxSamples) {
    throw queryTooLarge(
      `the query reads or visits more than maxSamples ${ctx.maxSamples} samples; narrow the selector, the range or the window`,
    );
  }
}
