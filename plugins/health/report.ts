/**
 * The /health body: readiness, per-plugin state and status, dependency
 * reachability, delivery counters, versions and uptime. Built from data other
 * plugins contribute, so every string is redacted (registered secrets) and
 * bounded before it leaves the process.
 */
import type { PluginReport } from '../../core/kernel.ts';
import type { Readiness } from '../../core/plugin.ts';
import type { RuntimeIdentity } from '../runtime-info/service.ts';
import type { DeliverySnapshot } from './delivery-stats.ts';

export type HealthStatus = 'ok' | 'degraded' | 'down';

/** Longest string /health shows; long values are upstream bodies or dumps, which do not belong here. */
export const MAX_STRING = 500;

export interface HealthInputs {
  readiness: Readiness;
  plugins: PluginReport[];
  statuses: Record<string, Record<string, unknown>>;
  identity: RuntimeIdentity;
  delivery: DeliverySnapshot;
  now: number;
  startedAt: number;
}

/**
 * down: not ready for a known reason (runtime not running, a required plugin
 * down, a critical check failing). degraded: ready, but a non-critical check
 * fails or an optional plugin is down; or not ready only because a first probe
 * is still pending (`unknown`, not down). ok: everything passes.
 */
export function healthStatus(readiness: Readiness, plugins: PluginReport[]): HealthStatus {
  if (!readiness.ready) {
    const pending = readiness.checks.filter((c) => c.pending).map((c) => `${c.name}:`);
    const known = readiness.reasons.filter((r) => !pending.some((p) => r.startsWith(p)));
    return known.length > 0 ? 'down' : 'degraded';
  }
  if (readiness.checks.some((c) => !c.ok)) return 'degraded';
  if (plugins.some((p) => p.state === 'failed' || p.state === 'skipped')) return 'degraded';
  return 'ok';
}

/** Reachability (`up`, `down`, `unknown` until the first probe) of the plugin providing `service`, from its `<plugin>.reachable` check. */
function dependency(service: string, inputs: HealthInputs) {
  const provider = inputs.plugins.find((p) => p.provides.includes(service));
  if (!provider) return { configured: false };
  const check = inputs.readiness.checks.find((c) => c.plugin === provider.id && c.name === `${provider.id}.reachable`);
  return {
    configured: true,
    provider: provider.id,
    state: provider.state,
    reachable: !check || check.pending ? 'unknown' : check.ok ? 'up' : 'down',
    detail: check?.detail ?? null,
  };
}

export function buildHealth(inputs: HealthInputs): Record<string, unknown> {
  const { readiness, plugins, statuses, identity, now, startedAt } = inputs;
  const memory = process.memoryUsage();
  return {
    status: healthStatus(readiness, plugins),
    ready: readiness.ready,
    state: readiness.state,
    reasons: readiness.reasons,
    timestamp: new Date(now).toISOString(),
    startedAt: new Date(startedAt).toISOString(),
    uptimeSeconds: Math.max(0, Math.round((now - startedAt) / 1000)),
    // The original runtime's name for the same figure; scripts written for it read `uptime`.
    uptime: Math.max(0, Math.round((now - startedAt) / 1000)),
    versions: { runtimeService: identity.runtimeVersion, openclaw: identity.openclawVersion ?? null, node: process.versions.node },
    // The IP address goes to the backend only; /health is unauthenticated.
    infrastructure: { dropletId: identity.dropletId ?? null, region: identity.region ?? null },
    dependencies: { backend: dependency('backend', inputs), gateway: dependency('gateway', inputs) },
    delivery: inputs.delivery,
    checks: readiness.checks.map((c) => ({ name: c.name, ok: c.ok, critical: c.critical, detail: c.detail ?? null, ...(c.pending ? { pending: true } : {}) })),
    plugins: plugins.map((p) => ({
      id: p.id,
      version: p.version,
      state: p.state,
      required: p.required,
      error: p.error ?? null,
      bootMs: p.bootMs ?? null,
      status: statuses[p.id] ?? null,
    })),
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
  };
}

/** Keys whose values are credentials whatever they hold (defence in depth beside value redaction). */
const SECRET_KEY = /(token|secret|password|passwd|authorization|api[-_]?key|cookie)$/i;

/**
 * Copies `value` as plain JSON data with every string redacted and bounded.
 * Functions, symbols and cycles are dropped; depth is limited.
 */
export function sanitize(value: unknown, redact: (text: string) => string, depth = 0, ancestors = new Set<object>()): unknown {
  if (typeof value === 'string') {
    const clean = redact(value);
    return clean.length > MAX_STRING ? `${clean.slice(0, MAX_STRING)}…[truncated]` : clean;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || depth > 8 || ancestors.has(value)) return undefined;
  if (value instanceof Date) return value.toISOString();
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.slice(0, 200).map((v) => sanitize(v, redact, depth + 1, ancestors) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k) && typeof v === 'string') {
        out[redact(k)] = '[Redacted]';
        continue;
      }
      const clean = sanitize(v, redact, depth + 1, ancestors);
      if (clean !== undefined) out[redact(k)] = clean;
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}
