import type { Expr } from './ast.js';
import { groupKeyText } from './ast.js';
import { formatDuration } from './duration.js';

/** A number as the parser reads it back: `Inf`, `-Inf`, `NaN`, `-0` included. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

function operand(expr: Expr): string {
  return expr.kind === 'arithmetic' ? `(${formatQuery(expr)})` : formatQuery(expr);
}

/**
 * Canonical text of a parsed query: selectors in their canonical form,
 * single spaces around operators, nested arithmetic in parentheses.
 * `parseQuery(formatQuery(e))` gives back the same tree (offsets aside).
 */
export function formatQuery(expr: Expr): string {
  switch (expr.kind) {
    case 'selector': {
      const sel = expr.selector.toString();
      return expr.rangeMs === undefined ? sel : `${sel}[${formatDuration(expr.rangeMs)}]`;
    }
    case 'number':
      return formatNumber(expr.value);
    case 'function':
      return `${expr.fn}(${formatQuery(expr.arg)})`;
    case 'aggregate': {
      const by = expr.by.length === 0 ? '' : ` by (${expr.by.map(groupKeyText).join(', ')}) `;
      return `${expr.op}${by}(${formatQuery(expr.arg)})`;
    }
    case 'rank':
      return `${expr.op}(${expr.k}, ${formatQuery(expr.arg)})`;
    case 'arithmetic':
      return `${operand(expr.lhs)} ${expr.op} ${operand(expr.rhs)}`;
  }
}
