/**
 * The backend port on the embedded backend, in process: each method calls the
 * service with the configured account id and service token, exactly as the
 * Convex adapter does over HTTP, so auth and account scoping are exercised on
 * every call here too.
 */
import { BACKEND_FUNCTIONS, type BackendPort } from '../../core/ports/backend.ts';
import type { LocalService } from './service.ts';

export interface LocalPortOptions {
  accountId: string;
  serviceToken: string;
}

export function createLocalPort(service: Pick<LocalService, 'call'>, options: LocalPortOptions): BackendPort {
  const port: Record<string, (args?: Record<string, unknown>) => Promise<unknown>> = {};
  for (const fn of BACKEND_FUNCTIONS) {
    port[fn] = async (args = {}) => {
      const result = service.call(fn, { ...args, accountId: options.accountId, serviceToken: options.serviceToken });
      // Callers get their own copy, as they would from the wire.
      return result === undefined ? null : structuredClone(result);
    };
  }
  return Object.freeze(port) as unknown as BackendPort;
}
