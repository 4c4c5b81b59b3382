/**
 * Readiness is the kernel's aggregate of every check; checks may probe
 * upstreams. Scrapers and load balancers can hit /readyz often, so answers are
 * shared for a short time and concurrent calls share one evaluation.
 */
import type { Readiness } from '../../core/plugin.ts';

export interface ReadinessSource {
  /** `fresh` skips the cache (used while the kernel is not running, so "stopping" shows at once). */
  get(fresh?: boolean): Promise<Readiness>;
}

export function cachedReadiness(evaluate: () => Promise<Readiness>, ttlMs: number, now: () => number): ReadinessSource {
  let cached: { at: number; value: Readiness } | undefined;
  let inflight: Promise<Readiness> | undefined;
  return {
    get(fresh = false) {
      if (!fresh && cached && now() - cached.at < ttlMs) return Promise.resolve(cached.value);
      inflight ??= evaluate()
        .then((value) => {
          cached = { at: now(), value };
          return value;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
  };
}
