/**
 * Metering of the backend port, applied by the plugin that provides it
 * (`api.provide(BackendService, meterBackend(port, api.metrics))`), so every
 * backend implementation reports the same series and the kernel stays unaware
 * of who calls what:
 *   runtime_backend_calls_total{function,outcome}
 *   runtime_backend_call_duration_seconds{function,outcome}
 * One observation per call as its caller sees it (retries inside the port
 * included). `outcome` is `ok` or the BackendError kind (`unavailable`,
 * `timeout`, `rejected`), else `error`; `function` is one of the contract's
 * names, so the label set is bounded.
 */
import { BACKEND_FUNCTIONS, isBackendError, type BackendPort } from './ports/backend.ts';
import type { MetricsApi } from './metrics.ts';

export const BACKEND_OUTCOMES = ['ok', 'unavailable', 'timeout', 'rejected', 'error'] as const;

export function meterBackend(port: BackendPort, metrics: MetricsApi, now: () => number = () => performance.now()): BackendPort {
  const calls = metrics.counter({
    name: 'runtime_backend_calls_total',
    help: 'Backend calls by function and outcome (ok, unavailable, timeout, rejected, error)',
    labelNames: ['function', 'outcome'],
  });
  const duration = metrics.histogram({
    name: 'runtime_backend_call_duration_seconds',
    help: 'Duration of one backend call as its caller sees it (retries included)',
    labelNames: ['function', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const metered: Record<string, unknown> = {};
  for (const fn of BACKEND_FUNCTIONS) {
    const call = (port[fn] as (args?: unknown) => Promise<unknown>).bind(port);
    metered[fn] = async (args?: unknown) => {
      const started = now();
      let outcome: string = 'ok';
      try {
        return await call(args);
      } catch (err) {
        outcome = isBackendError(err) ? err.kind : 'error';
        throw err;
      } finally {
        calls.inc({ function: fn, outcome });
        duration.observe({ function: fn, outcome }, Math.max(0, now() - started) / 1000);
      }
    };
  }
  return Object.freeze(metered) as unknown as BackendPort;
}
