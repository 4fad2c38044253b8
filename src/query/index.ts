export { parseQuery } from './parser.js';
export { formatQuery } from './format.js';
export { evaluate } from './evaluate.js';
export { querySyntax } from './syntax.js';
export { QueryError, QUERY_ERROR_CODES } from './errors.js';
export type { QueryErrorCode } from './errors.js';
export { QUERY_LIMITS, DEFAULT_WINDOW_MS, DEFAULT_MAX_GAP_MS } from './limits.js';
export { RANGE_FUNCTIONS, AGGREGATE_OPS, RANK_OPS, ARITHMETIC_OPS } from './ast.js';
export type {
  Expr,
  SelectorExpr,
  NumberExpr,
  FunctionExpr,
  AggregateExpr,
  RankExpr,
  ArithmeticExpr,
  GroupKey,
  RangeFunction,
  AggregateOp,
  RankOp,
  ArithmeticOp,
} from './ast.js';
export { INTERPOLATIONS } from './types.js';
export type {
  SeriesRef,
  SeriesSource,
  EvaluateOptions,
  Interpolation,
  ResultSeries,
} from './types.js';
export { parseDuration, formatDuration } from './duration.js';
export { exprSelectors, lookbackMs } from './expr-selectors.js';
