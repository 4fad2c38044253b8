import { CanopyError } from '../common/index.js';

/** Codes raised by the controller, its agents and the cluster commands. */
export type ControllerErrorCode = 'CANOPY_ERR_CAPTURE';

export class ControllerError extends CanopyError {
  constructor(code: ControllerErrorCode, message: string, options?: { retryable?: boolean }) {
    super(code, message, options);
    this.name = 'ControllerError';
  }
}
