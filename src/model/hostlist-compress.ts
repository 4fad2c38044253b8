import { MODEL_ERROR_CODES, ModelError } from './errors.js';
import { MAX_RANGE_DIGITS } from './hostlist.js';
import type { HostRange } from './hostlist.js';
import { isValidToken } from './schema.js';

/** One bracket of a compressed item followed by the literal text after it. */
interface Dim {
  readonly ranges: readonly HostRange[];
  readonly tail: string;
}

/** `head[ranges]tail[ranges]tail…`; a plain host name is a template without dims. */
interface Template {
  readonly head: string;
  readonly dims: readonly Dim[];
  /** The rendered dims, to compare templates cheaply. */
  readonly dimsText: string;
}

/** A head split around one of its runs of digits. */
interface Peel {
  readonly prefix: string;
  readonly digits: string;
  readonly tail: string;
}

const DIGIT_RUNS = /[0-9]+/g;

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}

function renderDims(dims: readonly Dim[]): string {
  return dims
    .map((d) => {
      const ranges = d.ranges.map((r) =>
        r.lo === r.hi ? pad(r.lo, r.width) : `${pad(r.lo, r.width)}-${pad(r.hi, r.width)}`,
      );
      return `[${ranges.join(',')}]${d.tail}`;
    })
    .join('');
}

/** Digit runs of a head, right-most first, as [start, end] pairs. */
function digitRuns(head: string): [number, number][] {
  const runs: [number, number][] = [];
  for (const m of head.matchAll(DIGIT_RUNS)) runs.unshift([m.index, m.index + m[0].length]);
  return runs;
}

/** Split a head around its k-th digit run from the right (0 = last). */
function peel(t: Template, runs: readonly [number, number][], k: number): Peel | undefined {
  const run = runs[k];
  if (run === undefined || run[1] - run[0] > MAX_RANGE_DIGITS) return undefined;
  return {
    prefix: t.head.slice(0, run[0]),
    digits: t.head.slice(run[0], run[1]),
    tail: t.head.slice(run[1]),
  };
}

/**
 * Turn digit strings (in order) into ranges. A string joins the current range
 * only when it is exactly how that range would print its next value, so the
 * expansion reproduces every string, padding included.
 */
function toRanges(digits: readonly string[]): HostRange[] {
  const out: HostRange[] = [];
  let cur: { lo: number; hi: number; width: number } | undefined;
  for (const d of digits) {
    if (cur !== undefined && d === pad(cur.hi + 1, cur.width)) {
      cur.hi += 1;
      continue;
    }
    cur = { lo: Number(d), hi: Number(d), width: d.length };
    out.push(cur);
  }
  return out;
}

function samePeel(a: Peel | undefined, b: Peel): boolean {
  return a !== undefined && a.prefix === b.prefix && a.tail === b.tail;
}

/**
 * The longest run of neighbours from `i` that differ only in one digit run
 * of their head (trying the right-most run first), or undefined when `ts[i]`
 * merges with nobody.
 */
function findRun(
  ts: readonly Template[],
  runs: readonly (readonly [number, number][])[],
  i: number,
) {
  const t = ts[i] as Template;
  const mine = runs[i] ?? [];
  for (let k = 0; k < mine.length; k += 1) {
    const p = peel(t, mine, k);
    if (p === undefined) continue;
    const digits = [p.digits];
    for (let j = i + 1; j < ts.length; j += 1) {
      const u = ts[j] as Template;
      if (u.dimsText !== t.dimsText) break;
      const q = peel(u, runs[j] ?? [], k);
      if (q === undefined || !samePeel(q, p)) break;
      digits.push(q.digits);
    }
    if (digits.length > 1) return { peel: p, digits };
  }
  return undefined;
}

/** One pass of merging neighbours; undefined when nothing merged. */
function mergePass(ts: readonly Template[]): Template[] | undefined {
  const runs = ts.map((t) => digitRuns(t.head));
  const out: Template[] = [];
  let merged = false;
  for (let i = 0; i < ts.length;) {
    const t = ts[i] as Template;
    const run = findRun(ts, runs, i);
    if (run === undefined) {
      out.push(t);
      i += 1;
      continue;
    }
    const dims = [{ ranges: toRanges(run.digits), tail: run.peel.tail }, ...t.dims];
    out.push({ head: run.peel.prefix, dims, dimsText: renderDims(dims) });
    merged = true;
    i += run.digits.length;
  }
  return merged ? out : undefined;
}

/**
 * Compress host names into the bracket form read by `expandHostList`, e.g.
 * `node-1 … node-10` → `node-[1-10]`, and a product back to
 * `node-[1-4]-[10002-10003]`. Only neighbours are merged, so
 * `expandHostList(compressHostList(x))` equals `x` in order for any list of
 * valid host names (sorted input gives the most compact form). Throws
 * `CANOPY_ERR_INVALID_HOSTLIST` for a name that is not a valid token or
 * contains `,`.
 */
export function compressHostList(names: readonly string[]): string {
  names.forEach((n, i) => {
    if (!isValidToken(n) || n.includes(',')) {
      throw new ModelError(
        MODEL_ERROR_CODES.invalidHostList,
        `cannot compress host names: names[${i}] ${JSON.stringify(n)} is not a valid host name`,
      );
    }
  });
  let ts: Template[] = names.map((n) => ({ head: n, dims: [], dimsText: '' }));
  // Each successful pass removes at least one template, and in practice one
  // pass per bracket of the result is all it takes.
  for (let next = mergePass(ts); next !== undefined; next = mergePass(ts)) ts = next;
  return ts.map((t) => t.head + t.dimsText).join(',');
}
