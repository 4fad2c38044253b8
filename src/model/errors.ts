import { CanopyError } from '../common/index.js';

/** Errors from names, selectors, host lists and schemas. */
export class ModelError extends CanopyError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ModelError';
  }
}
