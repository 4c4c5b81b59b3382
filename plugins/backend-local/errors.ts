/**
 * Failures the embedded backend answers with. Modules throw `ServiceError`;
 * the service dispatcher turns it into `BackendError('rejected', fn, …, {code})`.
 * Messages follow the hosted backend's wording ("Forbidden: …", "Not found: …")
 * for humans; callers branch on `code` only.
 */
import type { BackendErrorCode } from '../../core/ports/backend.ts';

export class ServiceError extends Error {
  readonly code: BackendErrorCode;
  constructor(code: BackendErrorCode, message: string) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
  }
}

export const unauthorized = (message = 'Invalid service token'): ServiceError => new ServiceError('unauthorized', message);
export const forbidden = (message: string): ServiceError => new ServiceError('forbidden', `Forbidden: ${message}`);
export const notFound = (message: string): ServiceError => new ServiceError('not_found', `Not found: ${message}`);
export const invalidArgument = (message: string): ServiceError => new ServiceError('invalid_argument', message);
export const invalidTransition = (message: string): ServiceError => new ServiceError('invalid_transition', message);
export const conflict = (message: string): ServiceError => new ServiceError('conflict', message);
