import type { Selector } from '../model/index.js';

/** Functions over time, applied to each selected series over a window. */
export const RANGE_FUNCTIONS = [
  'rate',
  'irate',
  'increase',
  'delta',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
] as const;
export type RangeFunction = (typeof RANGE_FUNCTIONS)[number];

/** Aggregations across series, optionally grouped with `by (…)`. */
export const AGGREGATE_OPS = ['sum', 'avg', 'min', 'max', 'count'] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

/** Rankings that keep N whole series. */
export const RANK_OPS = ['topk', 'bottomk'] as const;
export type RankOp = (typeof RANK_OPS)[number];

/** Arithmetic operators; one side must be a number. */
export const ARITHMETIC_OPS = ['+', '-', '*', '/'] as const;
export type ArithmeticOp = (typeof ARITHMETIC_OPS)[number];

/**
 * One key of a `by (…)` clause: the OUs (all of them, or the first `depth`),
 * the host, the metric path after the host (groups and metric), or a label
 * carried by the name.
 */
export type GroupKey =
  | { readonly kind: 'ou'; readonly depth?: number }
  | { readonly kind: 'host' }
  | { readonly kind: 'metric' }
  | { readonly kind: 'label'; readonly name: string };

/** A Canopy selector, with a range when it is the argument of a function over time. */
export interface SelectorExpr {
  readonly kind: 'selector';
  readonly offset: number;
  readonly selector: Selector;
  /** Explicit window from `[5m]`, in milliseconds. */
  readonly rangeMs?: number;
}

/** A number literal (`Inf` and `NaN` included). */
export interface NumberExpr {
  readonly kind: 'number';
  readonly offset: number;
  readonly value: number;
}

/** `rate(x)`, `avg_over_time(x[5m])`, …: the argument is always a selector. */
export interface FunctionExpr {
  readonly kind: 'function';
  readonly offset: number;
  readonly fn: RangeFunction;
  readonly arg: SelectorExpr;
}

/** `sum by (ou) (x)`; `by` is empty when everything is aggregated into one series. */
export interface AggregateExpr {
  readonly kind: 'aggregate';
  readonly offset: number;
  readonly op: AggregateOp;
  readonly by: readonly GroupKey[];
  readonly arg: Expr;
}

/** `topk(N, x)` / `bottomk(N, x)`. */
export interface RankExpr {
  readonly kind: 'rank';
  readonly offset: number;
  readonly op: RankOp;
  readonly k: number;
  readonly arg: Expr;
}

/** `lhs op rhs`; at least one side is scalar (numbers only). `offset` is the operator's. */
export interface ArithmeticExpr {
  readonly kind: 'arithmetic';
  readonly offset: number;
  readonly op: ArithmeticOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
}

/** A parsed query. */
export type Expr =
  SelectorExpr | NumberExpr | FunctionExpr | AggregateExpr | RankExpr | ArithmeticExpr;

/** True when `expr` holds no selector, so it evaluates to one number. */
export function isScalar(expr: Expr): boolean {
  if (expr.kind === 'number') return true;
  if (expr.kind === 'arithmetic') return isScalar(expr.lhs) && isScalar(expr.rhs);
  return false;
}

/** Apply an arithmetic operator (IEEE semantics: `x / 0` is ±Inf or NaN, as in PromQL). */
export function applyOp(op: ArithmeticOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
  }
}

/** The value of a scalar expression; NaN for an expression that selects series. */
export function scalarValue(expr: Expr): number {
  if (expr.kind === 'number') return expr.value;
  if (expr.kind === 'arithmetic') {
    return applyOp(expr.op, scalarValue(expr.lhs), scalarValue(expr.rhs));
  }
  return Number.NaN;
}

/** Name of a group key as written in `by (…)`: `ou`, `ou:2`, `host`, `metric`, or the label. */
export function groupKeyText(key: GroupKey): string {
  switch (key.kind) {
    case 'ou':
      return key.depth === undefined ? 'ou' : `ou:${key.depth}`;
    case 'label':
      return key.name;
    default:
      return key.kind;
  }
}

/** The label a group key produces in an aggregate's labels (`ou:2` → `ou`). */
export function groupKeyLabel(key: GroupKey): string {
  return key.kind === 'label' ? key.name : key.kind;
}
