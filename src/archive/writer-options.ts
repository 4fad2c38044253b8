import { systemClock } from '../common/index.js';
import type { Clock } from '../common/index.js';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import { DEFAULT_RETENTION } from './retention.js';
import type { Retention } from './retention.js';

/** Options of ArchiveWriter.open. */
export interface ArchiveWriterOptions {
  /**
   * Samples per chunk (default 300: five minutes at 1 s). Stream headers
   * and lane lengths cost ~60 bits per metric and chunk, so on the
   * synthetic mix 120-sample chunks take 1.01 B/value, 300-sample 0.975 B.
   */
  readonly chunkSamples?: number;
  /**
   * A chunk is sealed once it spans this much sample time, or has been open
   * this long on the wall clock (default 5 min): this bounds how long a WAL
   * file lives.
   */
  readonly chunkMaxAgeMs?: number;
  /** Sample time per segment file (default 2 h): a chunk goes to the segment of its first sample. */
  readonly segmentMs?: number;
  /** Group commit: at most one WAL sync per period (default 20 ms). */
  readonly syncIntervalMs?: number;
  /** A WAL file this large is closed and a new one started (default 32 MiB). */
  readonly walFileBytes?: number;
  /** WAL bytes between forced keyframes, bounding what one damaged record costs (default 4 MiB). */
  readonly walKeyframeBytes?: number;
  /** Segment files kept open for appending (default 8). */
  readonly maxOpenSegments?: number;
  /**
   * How long raw samples and the minute and hour tiers are kept, in ms of
   * sample time before "now": the latest sample time appended, at most the
   * wall clock (defaults: 14 days, 1 year, 5 years; Infinity keeps
   * forever). Whole segment files are deleted.
   */
  readonly retention?: Partial<Retention>;
  /** Keep the minute and hour tiers (default true). */
  readonly tiers?: boolean;
  /** Wall-clock period of the retention check (default 60 s). */
  readonly retentionCheckMs?: number;
  /** Wall clock for chunk ages and retention (tests inject a ManualClock). */
  readonly clock?: Clock;
  /** Called once when a background write fails and the writer stops. */
  readonly onError?: (err: ArchiveError) => void;
}

export type ResolvedWriterOptions = Required<Omit<ArchiveWriterOptions, 'retention'>> & {
  readonly retention: Retention;
};

const POSITIVE: readonly (keyof ArchiveWriterOptions)[] = [
  'chunkSamples',
  'chunkMaxAgeMs',
  'segmentMs',
  'walFileBytes',
  'walKeyframeBytes',
  'maxOpenSegments',
  'retentionCheckMs',
];

/** Fill in defaults; a non-positive or non-integer size is CANOPY_ERR_INVALID_ARGUMENT. */
export function resolveWriterOptions(o: ArchiveWriterOptions): ResolvedWriterOptions {
  const r: ResolvedWriterOptions = {
    chunkSamples: o.chunkSamples ?? 300,
    chunkMaxAgeMs: o.chunkMaxAgeMs ?? 5 * 60_000,
    segmentMs: o.segmentMs ?? 2 * 3_600_000,
    syncIntervalMs: o.syncIntervalMs ?? 20,
    walFileBytes: o.walFileBytes ?? 32 * 1024 * 1024,
    walKeyframeBytes: o.walKeyframeBytes ?? 4 * 1024 * 1024,
    maxOpenSegments: o.maxOpenSegments ?? 8,
    retention: { ...DEFAULT_RETENTION, ...o.retention },
    tiers: o.tiers ?? true,
    retentionCheckMs: o.retentionCheckMs ?? 60_000,
    clock: o.clock ?? systemClock,
    onError: o.onError ?? (() => undefined),
  };
  for (const k of POSITIVE) {
    const v = r[k] as number;
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new ArchiveError(
        ARCHIVE_ERROR_CODES.invalidArgument,
        `archive writer option ${k} must be a positive integer, got ${String(v)}`,
      );
    }
  }
  for (const [k, v] of Object.entries(r.retention)) {
    if (typeof v !== 'number' || !(v > 0)) {
      throw new ArchiveError(
        ARCHIVE_ERROR_CODES.invalidArgument,
        `archive writer option retention.${k} must be > 0 (Infinity: forever), got ${String(v)}`,
      );
    }
  }
  if (!Number.isSafeInteger(r.syncIntervalMs) || r.syncIntervalMs < 0) {
    throw new ArchiveError(
      ARCHIVE_ERROR_CODES.invalidArgument,
      `archive writer option syncIntervalMs must be ≥ 0, got ${String(r.syncIntervalMs)}`,
    );
  }
  return r;
}
