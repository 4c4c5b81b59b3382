/**
 * The backend port over Convex: every method calls `service/actions:<name>`
 * with the contract's arguments plus `accountId` and `serviceToken`. Retries
 * happen only for functions that are safe to repeat (BACKEND_SAFE_TO_RETRY)
 * and only when the backend never answered (`unavailable`, `timeout`): a
 * `rejected` call ran and threw, so repeating it cannot help.
 */
import {
  BACKEND_FUNCTIONS,
  BACKEND_SAFE_TO_RETRY,
  BackendError,
  type BackendFunctionName,
  type BackendPort,
} from '../../core/ports/backend.ts';
import { createConvexCaller } from './client.ts';
import type { HttpClient } from '../../core/http-client.ts';

export interface ConvexPortOptions {
  url: string;
  accountId: string;
  serviceToken: string;
  /** Per-attempt deadline. Default 15000 ms. */
  requestTimeoutMs?: number;
  /** Extra attempts for safe functions after a transport failure. Default 2. */
  retries?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 250 ms. */
  retryBaseMs?: number;
  /** HTTP transport (core/http-client.ts); default: one of the port's own. */
  http?: HttpClient;
  sleep?: (ms: number) => Promise<void>;
  /** Observes every finished attempt (health, metrics, logs). */
  onAttempt?: (event: AttemptEvent) => void;
}

export interface AttemptEvent {
  functionName: BackendFunctionName;
  attempt: number;
  durationMs: number;
  outcome: 'ok' | BackendError['kind'];
  error?: BackendError;
  willRetry: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createConvexPort(options: ConvexPortOptions): BackendPort {
  const caller = createConvexCaller({ url: options.url, requestTimeoutMs: options.requestTimeoutMs ?? 15_000, http: options.http });
  const retries = Math.max(0, options.retries ?? 2);
  const baseMs = options.retryBaseMs ?? 250;
  const sleep = options.sleep ?? defaultSleep;

  async function invoke(fn: BackendFunctionName, args: Record<string, unknown> | undefined): Promise<unknown> {
    const payload: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args ?? {})) if (v !== undefined) payload[k] = v;
    payload.accountId = options.accountId;
    payload.serviceToken = options.serviceToken;
    const maxAttempts = BACKEND_SAFE_TO_RETRY.has(fn) ? retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const value = await caller.call(fn, payload);
        options.onAttempt?.({ functionName: fn, attempt, durationMs: performance.now() - started, outcome: 'ok', willRetry: false });
        return value;
      } catch (err) {
        const error = err as BackendError;
        const willRetry = error.transient && attempt < maxAttempts;
        options.onAttempt?.({ functionName: fn, attempt, durationMs: performance.now() - started, outcome: error.kind, error, willRetry });
        if (!willRetry) throw error;
        const delay = baseMs * 2 ** (attempt - 1);
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  const port: Record<string, (args?: Record<string, unknown>) => Promise<unknown>> = {};
  for (const fn of BACKEND_FUNCTIONS) port[fn] = (args) => invoke(fn, args);
  return Object.freeze(port) as unknown as BackendPort;
}
