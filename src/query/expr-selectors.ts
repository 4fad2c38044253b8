import type { Expr, SelectorExpr } from './ast.js';

/** Every selector an expression reads, in order (a source can prefetch them). */
export function exprSelectors(expr: Expr): SelectorExpr[] {
  switch (expr.kind) {
    case 'selector':
      return [expr];
    case 'number':
      return [];
    case 'function':
      return [expr.arg];
    case 'aggregate':
    case 'rank':
      return exprSelectors(expr.arg);
    case 'arithmetic':
      return [...exprSelectors(expr.lhs), ...exprSelectors(expr.rhs)];
  }
}

/** How far before the range start the expression may read (its longest window). */
export function lookbackMs(
  expr: Expr,
  defaultWindowMs: number,
  stepMs: number | undefined,
): number {
  const windows = exprSelectors(expr).map((s) => s.rangeMs ?? defaultWindowMs);
  return Math.max(defaultWindowMs, stepMs ?? 0, ...windows);
}
