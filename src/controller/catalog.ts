/**
 * The catalog: which aggregator held which host when. Discovery and queries
 * over a past range use it to find every archive that holds part of a host's
 * data after producers moved. Pure functions over a small JSON-able record per
 * host; the controller reads and writes the records in the config store.
 */

/** One holder's tenure, `[fromMs, toMs)`; `toMs` undefined while it still holds the host. */
export interface Span {
  aggregator: string;
  fromMs: number;
  toMs: number | undefined;
}

/** Holders of one host, ascending by `fromMs` and non-overlapping; only the last span may be open. */
export interface HostHistory {
  host: string;
  producer: string;
  spans: Span[];
}

/**
 * Close the open span (if any, at atMs) and open a new one on `aggregator`
 * (no-op when it already holds it; `undefined` = nobody holds the host now).
 * Returns a new object. Spans older than keepMs before atMs are pruned, but
 * the newest closed span is always kept so the last known holder stays findable.
 * A clock that stepped back is clamped to the last recorded time so spans
 * never overlap; a holder that lasted 0 ms is dropped.
 */
export function recordHolder(
  h: HostHistory | undefined,
  host: string,
  producer: string,
  aggregator: string | undefined,
  atMs: number,
  keepMs?: number,
): HostHistory {
  const spans = (h?.spans ?? []).map((s) => ({ ...s }));
  const last = spans[spans.length - 1];
  const open = last !== undefined && last.toMs === undefined ? last : undefined;
  if (open?.aggregator === aggregator || (open === undefined && aggregator === undefined)) {
    return { host, producer, spans };
  }
  const at = Math.max(atMs, last === undefined ? -Infinity : (last.toMs ?? last.fromMs));
  if (open !== undefined) {
    open.toMs = at;
    if (open.fromMs === at) spans.pop();
  }
  if (aggregator !== undefined) spans.push({ aggregator, fromMs: at, toMs: undefined });
  return { host, producer, spans: keepMs === undefined ? spans : prune(spans, at - keepMs) };
}

/** Drop closed spans that ended before `cutoffMs`, except the newest closed one. */
function prune(spans: Span[], cutoffMs: number): Span[] {
  let newestClosed = -1;
  for (let i = spans.length - 1; i >= 0 && newestClosed < 0; i--)
    if (spans[i]!.toMs !== undefined) newestClosed = i;
  return spans.filter((s, i) => i === newestClosed || s.toMs === undefined || s.toMs >= cutoffMs);
}

/**
 * Spans intersecting [fromMs, toMs], clipped to it. A span covers
 * `[fromMs, toMs)`, so at a hand-over instant only the new holder answers;
 * an open span is clipped to the window's end.
 */
export function spansIn(h: HostHistory, fromMs: number, toMs: number): Span[] {
  const out: Span[] = [];
  for (const s of h.spans) {
    const end = s.toMs ?? Infinity;
    if (s.fromMs > toMs || end <= fromMs) continue;
    out.push({
      aggregator: s.aggregator,
      fromMs: Math.max(s.fromMs, fromMs),
      toMs: Math.min(end, toMs),
    });
  }
  return out;
}

/**
 * Validate JSON read back from the store: returns undefined on bad input and
 * passes the reason to `onInvalid` when given; never throws. Unknown fields
 * are dropped; an open span's `toMs` may be absent (JSON drops undefined) or null.
 */
export function parseHostHistory(
  json: unknown,
  onInvalid?: (reason: string) => void,
): HostHistory | undefined {
  const problem = (reason: string): undefined => {
    onInvalid?.(reason);
    return undefined;
  };
  if (!isRecord(json)) return problem('not an object');
  const { host, producer, spans } = json;
  if (typeof host !== 'string' || host === '') return problem('host is not a non-empty string');
  if (typeof producer !== 'string') return problem('producer is not a string');
  if (!Array.isArray(spans)) return problem('spans is not an array');
  const out: Span[] = [];
  for (const [i, raw] of spans.entries()) {
    const span = parseSpan(raw);
    if (typeof span === 'string') return problem(`spans[${i}]: ${span}`);
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.toMs === undefined)
      return problem(`spans[${i}]: follows an open span`);
    if (prev?.toMs !== undefined && span.fromMs < prev.toMs)
      return problem(`spans[${i}]: overlaps or precedes the span before it`);
    out.push(span);
  }
  return { host, producer, spans: out };
}

/** A span, or the reason it is not one. */
function parseSpan(raw: unknown): Span | string {
  if (!isRecord(raw)) return 'not an object';
  const { aggregator, fromMs, toMs } = raw;
  if (typeof aggregator !== 'string' || aggregator === '')
    return 'aggregator is not a non-empty string';
  if (!isTime(fromMs)) return 'fromMs is not a finite number';
  if (toMs === undefined || toMs === null) return { aggregator, fromMs, toMs: undefined };
  if (!isTime(toMs)) return 'toMs is not a finite number';
  if (toMs < fromMs) return 'toMs is before fromMs';
  return { aggregator, fromMs, toMs };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isTime(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
