import { CanopyError } from '../common/index.js';

/**
 * Stable codes raised by the sampler concern. Listed here so the error-code
 * documentation test can check that each one is described in docs/errors.md.
 */
export const SAMPLER_ERROR_CODES = {
  /** A plugin name is unknown, or one of its options is missing, mistyped or out of range. */
  pluginConfig: 'CANOPY_ERR_PLUGIN_CONFIG',
  /** A sampling interval or offset is out of range (interval ≥ 10 ms, 0 ≤ offset < interval). */
  badSchedule: 'CANOPY_ERR_BAD_SCHEDULE',
  /** A plugin could not read or parse its /proc source. Retryable: the next tick may succeed. */
  pluginRead: 'CANOPY_ERR_PLUGIN_READ',
  /** A tick ran past its timeout; it is left to finish, and no other tick starts meanwhile. */
  tickTimeout: 'CANOPY_ERR_TICK_TIMEOUT',
  /** A send-filter option is invalid (bad glob, negative threshold, both or neither threshold kind). */
  sendFilterConfig: 'CANOPY_ERR_SEND_FILTER_CONFIG',
} as const;
export type SamplerErrorCode = (typeof SAMPLER_ERROR_CODES)[keyof typeof SAMPLER_ERROR_CODES];

/** Errors from the sampler: plugin configuration, /proc reads, scheduling, send filtering. */
export class SamplerError extends CanopyError {
  // `code` is a plain string so the daemon's own codes can join SAMPLER_ERROR_CODES later.
  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(code, message, options);
    this.name = 'SamplerError';
  }
}

/** Shorthand for the configuration error of one plugin option. */
export function pluginConfigError(plugin: string, option: string, problem: string): SamplerError {
  return new SamplerError(
    SAMPLER_ERROR_CODES.pluginConfig,
    `plugin ${plugin}: option ${option}: ${problem}`,
  );
}
