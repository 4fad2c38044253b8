import { MODEL_ERROR_CODES, ModelError, syntaxError } from './errors.js';
import type { SyntaxFail } from './label-syntax.js';
import { MODEL_LIMITS, isValidToken } from './schema.js';

const CODE = MODEL_ERROR_CODES.invalidHostList;

/** Longest bound accepted in a range: every 15-digit number is an exact double. */
export const MAX_RANGE_DIGITS = 15;

/** One `lo-hi` (or single `lo`) of a bracket; numbers are printed zero-padded to `width`. */
export interface HostRange {
  readonly lo: number;
  readonly hi: number;
  readonly width: number;
}

/** A part of a host-list item: literal text or a bracket of ranges. */
type Part = string | readonly HostRange[];

interface Item {
  readonly offset: number;
  readonly parts: readonly Part[];
}

const DIGITS_AT = /[0-9]+/y;
const SPACE_AT = /[ \t\r\n]*/y;

function skipSpace(text: string, pos: number): number {
  SPACE_AT.lastIndex = pos;
  SPACE_AT.test(text);
  return SPACE_AT.lastIndex;
}

function readNumber(text: string, pos: number, fail: SyntaxFail): string | undefined {
  DIGITS_AT.lastIndex = pos;
  const digits = DIGITS_AT.exec(text)?.[0];
  if (digits !== undefined && digits.length > MAX_RANGE_DIGITS) {
    fail(`number longer than ${MAX_RANGE_DIGITS} digits`, pos);
  }
  return digits;
}

function explainMissingNumber(text: string, pos: number, open: number, fail: SyntaxFail): never {
  const c = text[pos];
  if (c === undefined) return fail('unterminated "["', open);
  if (c === '[') return fail('nested "[" inside "[…]"', pos);
  if (c === ',' || c === ']') return fail('empty range in "[…]"', pos);
  return fail(`non-numeric range (unexpected ${JSON.stringify(c)})`, pos);
}

/** Parse `[…]` whose `[` is at `open`; returns the ranges and the index after `]`. */
function parseBracket(text: string, open: number, fail: SyntaxFail): [HostRange[], number] {
  const ranges: HostRange[] = [];
  let pos = open + 1;
  for (;;) {
    const loAt = pos;
    const lo = readNumber(text, pos, fail) ?? explainMissingNumber(text, pos, open, fail);
    pos += lo.length;
    let hi = lo;
    if (text[pos] === '-') {
      pos += 1;
      const c = text[pos];
      if (c === ']' || c === ',') fail('missing upper bound after "-"', pos);
      hi = readNumber(text, pos, fail) ?? explainMissingNumber(text, pos, open, fail);
      pos += hi.length;
    }
    if (Number(hi) < Number(lo)) fail(`reversed range ${lo}-${hi}`, loAt);
    ranges.push({ lo: Number(lo), hi: Number(hi), width: lo.length });
    const c = text[pos];
    if (c === ']') return [ranges, pos + 1];
    if (c === ',') {
      pos += 1;
      continue;
    }
    explainMissingNumber(text, pos, open, fail);
  }
}

/** Parse one item (up to a top-level `,`, whitespace or the end). */
function parseItem(text: string, start: number, fail: SyntaxFail): [Item, number] {
  const parts: Part[] = [];
  let literal = '';
  let pos = start;
  while (pos < text.length && text[pos] !== ',' && !/\s/.test(text[pos] ?? '')) {
    const c = String.fromCodePoint(text.codePointAt(pos) ?? 0);
    if (c === '[') {
      if (literal !== '') parts.push(literal);
      literal = '';
      const [ranges, next] = parseBracket(text, pos, fail);
      parts.push(ranges);
      pos = next;
      continue;
    }
    if (c === ']') fail('unbalanced "]"', pos);
    if (!isValidToken(c)) fail(`invalid character ${JSON.stringify(c)} in a host name`, pos);
    literal += c;
    pos += c.length;
  }
  if (literal !== '') parts.push(literal);
  if (parts.length === 0) fail('empty item', start);
  return [{ offset: start, parts }, pos];
}

function parseList(text: string, fail: SyntaxFail): Item[] {
  const items: Item[] = [];
  let pos = skipSpace(text, 0);
  if (pos === text.length) return items;
  for (;;) {
    const [item, next] = parseItem(text, pos, fail);
    items.push(item);
    pos = skipSpace(text, next);
    if (pos === text.length) return items;
    if (text[pos] !== ',') fail('expected "," between host names', pos);
    pos = skipSpace(text, pos + 1);
  }
}

function itemCount(item: Item): number {
  let n = 1;
  for (const p of item.parts) {
    if (typeof p !== 'string') n *= p.reduce((sum, r) => sum + (r.hi - r.lo + 1), 0);
  }
  return n;
}

function itemMaxBytes(item: Item): number {
  let n = 0;
  for (const p of item.parts) {
    if (typeof p === 'string') n += Buffer.byteLength(p);
    else n += Math.max(...p.map((r) => Math.max(r.width, String(r.hi).length)));
  }
  return n;
}

/** Check size limits from the parsed form, before a single name is built. */
function checkLimits(items: readonly Item[], maxHosts: number, fail: SyntaxFail): void {
  let total = 0;
  for (const item of items) {
    total += itemCount(item);
    if (total > maxHosts) {
      fail(`expands to more than maxHosts (${maxHosts}) host names`, item.offset);
    }
    if (itemMaxBytes(item) > MODEL_LIMITS.maxTokenBytes) {
      fail(`host names longer than ${MODEL_LIMITS.maxTokenBytes} bytes`, item.offset);
    }
  }
}

function expandItem(item: Item, out: string[]): void {
  let names = [''];
  for (const p of item.parts) {
    if (typeof p === 'string') {
      names = names.map((n) => n + p);
      continue;
    }
    // The left-most bracket varies slowest: extend every prefix in order.
    const next: string[] = [];
    for (const prefix of names) {
      for (const r of p) {
        for (let v = r.lo; v <= r.hi; v += 1) next.push(prefix + String(v).padStart(r.width, '0'));
      }
    }
    names = next;
  }
  for (const n of names) out.push(n);
}

/** Options of {@link expandHostList}. */
export interface ExpandHostListOptions {
  /** Largest number of names the list may expand to (checked before expanding). */
  readonly maxHosts?: number;
}

/**
 * Expand a host list as written in LDMS/Maestro and Slurm configs:
 * `node-[1-10]`, `node-[01-10,15]` (numbers padded to the width of the lower
 * bound), `[10002]`, products `node-[1-4]-[10002-10003]` (left-most bracket
 * varies slowest) and top-level lists `a,b-[1-2]` → `a, b-1, b-2`.
 * Whitespace around items is ignored; an empty text gives an empty list.
 * Throws `CANOPY_ERR_INVALID_HOSTLIST` naming the problem and its offset.
 */
export function expandHostList(text: string, options: ExpandHostListOptions = {}): string[] {
  const maxHosts = options.maxHosts ?? 1_000_000;
  if (!Number.isInteger(maxHosts) || maxHosts < 0) {
    throw new ModelError(CODE, `maxHosts must be a non-negative integer, got ${maxHosts}`);
  }
  const fail: SyntaxFail = (problem, offset) => {
    throw syntaxError(CODE, 'host list', text, problem, offset);
  };
  const items = parseList(text, fail);
  checkLimits(items, maxHosts, fail);
  const out: string[] = [];
  for (const item of items) expandItem(item, out);
  return out;
}
