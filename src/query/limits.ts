/**
 * Default bounds on the work one query may do. The per-series point limit is
 * Prometheus's (11,000 points per series); the sample limit plays the part of
 * Prometheus's `query.max-samples`: every sample read from a source and
 * every sample visited by a window counts, so a `[1d]` window at a 1 s step
 * cannot burn minutes of CPU.
 */
export const QUERY_LIMITS = {
  /** Points in one output series (grid points with a step, raw points without). */
  maxPoints: 11_000,
  /** Series one selector may select. */
  maxSeries: 10_000,
  /** Samples read plus samples visited by windows, over the whole query. */
  maxSamples: 50_000_000,
  /** Characters of query text. */
  maxQueryChars: 65_536,
  /** Nesting of parentheses, calls and unary operators (bounds the parser's recursion). */
  maxDepth: 100,
} as const;

/** Window of a function over time when the query has neither a step nor an explicit `[…]`. */
export const DEFAULT_WINDOW_MS = 60_000;

/**
 * Gap between two samples beyond which the series is taken to have stopped
 * (a host down) rather than to continue in a straight line: no interpolation
 * across it, and no counter delta over it. Five minutes is Prometheus's
 * staleness lookback; the effective default also grows with the step.
 */
export const DEFAULT_MAX_GAP_MS = 300_000;
