import { ProtocolError } from './errors.js';

/**
 * Bounds a receiver enforces before it allocates anything, so a hostile or
 * broken peer cannot make a daemon use unbounded memory.
 */
export interface ProtocolLimits {
  /** Largest payload a frame may announce in its length field. */
  readonly maxFrameBytes: number;
  /** Largest number of set entries in one data frame. */
  readonly maxSetsPerFrame: number;
  /** Largest number of metrics in one schema. */
  readonly maxMetricsPerSet: number;
  /** Largest UTF-8 byte length of any string on the wire. */
  readonly maxStringBytes: number;
  /** Largest number of distinct set ids one connection may declare. */
  readonly maxSchemas: number;
  /**
   * Largest number of values (metrics summed over decoded entries) in one
   * data frame. Unchanged values cost one bit on the wire but eight bytes
   * decoded, so this bounds what a frame can make the receiver allocate.
   */
  readonly maxValuesPerFrame: number;
}

/** The defaults of protocol v1. */
export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = Object.freeze({
  maxFrameBytes: 16 * 1024 * 1024,
  maxSetsPerFrame: 65536,
  maxMetricsPerSet: 65535,
  maxStringBytes: 4096,
  maxSchemas: 1_000_000,
  maxValuesPerFrame: 8 * 1024 * 1024,
});

/** The frame length field is a u32, so no limit can go beyond it. */
const MAX_FRAME_BYTES_CAP = 0xffffffff;

/** Merge overrides into the defaults, rejecting values that are not positive integers. */
export function resolveLimits(overrides: Partial<ProtocolLimits> = {}): ProtocolLimits {
  const merged: ProtocolLimits = { ...DEFAULT_PROTOCOL_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ProtocolError(
        'CANOPY_ERR_INVALID_ARGUMENT',
        `protocol limit ${key} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  if (merged.maxFrameBytes > MAX_FRAME_BYTES_CAP) {
    throw new ProtocolError(
      'CANOPY_ERR_INVALID_ARGUMENT',
      `protocol limit maxFrameBytes must be at most ${MAX_FRAME_BYTES_CAP}`,
    );
  }
  return Object.freeze(merged);
}
