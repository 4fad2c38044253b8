import { CanopyError } from '../common/index.js';

/**
 * Stable codes raised by the cluster concern besides CANOPY_ERR_CONFIG (a
 * cluster file that does not validate is a ConfigError listing every problem).
 */
export const CLUSTER_ERROR_CODES = {
  /** A function was asked about a daemon the cluster spec does not define. */
  unknownDaemon: 'CANOPY_ERR_UNKNOWN_DAEMON',
} as const;
export type ClusterErrorCode = (typeof CLUSTER_ERROR_CODES)[keyof typeof CLUSTER_ERROR_CODES];

/** Errors from questions asked of a resolved cluster spec. */
export class ClusterError extends CanopyError {
  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ClusterError';
  }
}
