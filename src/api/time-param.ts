import { durationMs } from '../common/index.js';
import { ApiError } from './errors.js';

/** Parse a duration such as `500ms`, `10s`, `5m`, `2h`, `1d` into milliseconds. */
export function parseDuration(text: string, param = 'duration'): number {
  const ms = durationMs(text);
  if (ms === undefined) {
    throw new ApiError(
      'CANOPY_ERR_INVALID_TIME',
      400,
      `${param}: ${JSON.stringify(text)} is not a duration (e.g. 500ms, 10s, 5m, 2h, 1d)`,
    );
  }
  return ms;
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
