import { ModelError, parseSelector } from '../model/index.js';
import type { NumberExpr, SelectorExpr } from './ast.js';
import { AGGREGATE_OPS, RANGE_FUNCTIONS, RANK_OPS } from './ast.js';
import { parseDuration } from './duration.js';
import type { Cursor } from './parse-cursor.js';
import { scanSelectorEnd } from './selector-scan.js';

const NUMBER_AT = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const SPECIAL_NUMBER = /^(?:inf|nan)$/i;
/** `[5m]` at the very end of selector text: a range rather than a glob class. */
const RANGE_SUFFIX = /\[([ \t\r\n]*\d[0-9a-zA-Z]*[ \t\r\n]*)\]$/;
/** The model's message: `invalid selector "<text>": <problem> at offset N`. */
const MODEL_MESSAGE = /^invalid selector "(?:[^"\\]|\\.)*": (.*) at offset \d+$/s;
/** `name(…:…` — a call: a `(…)` inside one token can never hold a `:`. */
const CALL_LIKE = /^([a-zA-Z_][a-zA-Z0-9_]*)\([^)]*:/;
const KNOWN_CALLS: readonly string[] = [...RANGE_FUNCTIONS, ...AGGREGATE_OPS, ...RANK_OPS];

function selectorProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return MODEL_MESSAGE.exec(message)?.[1] ?? message;
}

/** Parse the duration inside `[…]` whose text starts at `at`; fail naming the text. */
function rangeMs(c: Cursor, inside: string, at: number): number {
  const ms = parseDuration(inside.trim());
  if (ms === undefined) {
    c.fail(`invalid range duration ${JSON.stringify(inside.trim())} (e.g. 30s, 5m, 1h30m)`, at);
  }
  return ms;
}

function notASelector(c: Cursor, text: string, start: number): never {
  const ident = c.identifierAt(start);
  if (ident !== undefined && KNOWN_CALLS.includes(ident)) {
    c.fail(`expected "(" after ${ident}`, c.spaceEnd(start + ident.length));
  }
  if (ident !== undefined && c.text[c.spaceEnd(start + ident.length)] === '(') {
    c.fail(`unknown function ${JSON.stringify(ident)} (known: ${KNOWN_CALLS.join(', ')})`, start);
  }
  const shown = text.length === 0 ? c.found(start) : JSON.stringify(text.slice(0, 24));
  return c.fail(
    `expected a selector (OU…::host:…:metric), a number, a function call or "(" but found ${shown}`,
    start,
  );
}

/** A number literal at the cursor, when the operand there is one. */
function parseNumber(c: Cursor, text: string, start: number): NumberExpr | undefined {
  if (SPECIAL_NUMBER.test(text)) {
    c.pos = start + text.length;
    const value = text.toLowerCase() === 'inf' ? Number.POSITIVE_INFINITY : Number.NaN;
    return { kind: 'number', offset: start, value };
  }
  NUMBER_AT.lastIndex = start;
  const m = NUMBER_AT.exec(c.text);
  if (m === null) return undefined;
  c.pos = start + m[0].length;
  return { kind: 'number', offset: start, value: Number(m[0]) };
}

function compile(c: Cursor, text: string, start: number): SelectorExpr['selector'] {
  try {
    return parseSelector(text);
  } catch (err) {
    const offset = start + (err instanceof ModelError ? (err.offset ?? 0) : 0);
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    return c.fail(`bad selector ${JSON.stringify(shown)}: ${selectorProblem(err)}`, offset);
  }
}

/** An explicit `[5m]` after whitespace following a selector. */
function trailingRange(c: Cursor, sel: SelectorExpr): SelectorExpr {
  const at = c.spaceEnd();
  if (c.text[at] !== '[') return sel;
  if (sel.rangeMs !== undefined) c.fail('a second range after the selector', at);
  const close = c.text.indexOf(']', at + 1);
  if (close < 0) c.fail('unterminated range, expected "]"', at);
  const ms = rangeMs(c, c.text.slice(at + 1, close), at + 1);
  c.pos = close + 1;
  return { ...sel, rangeMs: ms };
}

/**
 * Parse a selector (with an optional range) or a number at the cursor.
 * Operand text holding `::` or starting with `{` is always a selector, so an
 * OU named `2024` (`2024::h:m`) is not mistaken for a number.
 */
export function parseOperand(c: Cursor): SelectorExpr | NumberExpr {
  const start = c.pos;
  const end = scanSelectorEnd(c.text, start);
  const text = c.text.slice(start, end);
  if (!text.includes('::') && !text.startsWith('{')) {
    return parseNumber(c, text, start) ?? notASelector(c, text, start);
  }
  const call = CALL_LIKE.exec(text);
  if (call !== null) {
    c.fail(`unknown function ${JSON.stringify(call[1])} (known: ${KNOWN_CALLS.join(', ')})`, start);
  }
  const range = RANGE_SUFFIX.exec(text);
  const selText = range === null ? text : text.slice(0, range.index);
  const ms = range === null ? undefined : rangeMs(c, range[1] ?? '', start + range.index + 1);
  const selector = compile(c, selText, start);
  c.pos = end;
  const sel: SelectorExpr =
    ms === undefined
      ? { kind: 'selector', offset: start, selector }
      : { kind: 'selector', offset: start, selector, rangeMs: ms };
  return trailingRange(c, sel);
}
