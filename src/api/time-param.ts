import { ApiError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Parse a duration such as `500ms`, `10s`, `5m`, `2h`, `1d` into milliseconds. */
export function parseDuration(text: string, param = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(text.trim());
  if (!m) {
    throw new ApiError(
      'CANOPY_ERR_INVALID_TIME',
      400,
      `${param}: ${JSON.stringify(text)} is not a duration (e.g. 500ms, 10s, 5m, 2h, 1d)`,
    );
  }
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/**
 * Parse a point in time: `now`, a relative offset (`-2h`, `-30s`), an epoch in
 * seconds (≤ 10 digits, may have decimals) or milliseconds, or an ISO 8601 date.
 */
export function parseTime(text: string, nowMs: number, param = 'time'): number {
  const t = text.trim();
  if (t === 'now' || t === '') return nowMs;
  if (t.startsWith('-') || t.startsWith('now-')) {
    return nowMs - parseDuration(t.replace(/^now/, '').slice(1), param);
  }
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return t.split('.')[0]!.length <= 10 ? Math.round(n * 1000) : Math.round(n);
  }
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) {
    throw new ApiError(
      'CANOPY_ERR_INVALID_TIME',
      400,
      `${param}: ${JSON.stringify(text)} is not a time (now, -2h, epoch seconds or ms, ISO 8601)`,
    );
  }
  return ms;
}
