/**
 * Durations as PromQL writes them in range brackets: one or more
 * `<integer><unit>` parts, units in decreasing order and each at most once,
 * e.g. `5m`, `1h30m`, `1500ms`.
 */
const UNITS = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const PART = /(\d+)(ms|[ywdhms])/y;

/** Parse a duration such as `5m` or `1h30m` into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let pos = 0;
  let total = 0;
  let lastRank = -1;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (m === null) return undefined;
    const unit = m[2] as string;
    const rank = UNITS.findIndex(([u]) => u === unit);
    // Units must decrease (`1h30m`, not `30m1h`), as in PromQL.
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(m[1]) * (UNITS[rank]?.[1] ?? 0);
    pos = PART.lastIndex;
  }
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** Format milliseconds as the shortest duration text, e.g. `90000` → `1m30s`. */
export function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out === '' ? '0ms' : out;
}
