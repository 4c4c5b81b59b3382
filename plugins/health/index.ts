/**
 * health: the probe and status endpoints on the shared HTTP server.
 *
 * - GET /livez    200 while the process answers (never depends on upstreams, so it
 *                 cannot turn an outage into a restart storm);
 * - GET /readyz   200 only when the kernel runs, every required plugin started and
 *                 every critical check passes (backend and gateway reachability);
 *                 503 with the reasons otherwise; `?verbose` prints one line per check;
 * - GET /health   everything an operator wants at a glance (never secrets or bodies);
 *                 always 200 when the process answers (the original runtime's
 *                 contract: monitors treat non-200 as "restart me"), with
 *                 `status: ok | degraded | down` and the reasons in the body;
 * - GET /version  runtime and OpenClaw versions, infrastructure ids.
 */
import Type from 'typebox';
import type { FastifyReply } from 'fastify';
import { definePlugin, type Readiness } from '../../core/plugin.ts';
import { GatewayService, HttpServiceRef } from '../../core/services.ts';
import { RuntimeInfoRef } from '../runtime-info/service.ts';
import { cachedReadiness } from './readiness-cache.ts';
import { DeliveryStats } from './delivery-stats.ts';
import { buildHealth, sanitize } from './report.ts';

const Options = Type.Object(
  {
    /** How long one readiness evaluation answers /readyz and /health (checks may probe upstreams). */
    readinessCacheMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 1_000 }),
    /** How long /health waits for the gateway's first probe (started with the gateway) before showing it `unknown`. */
    firstProbeWaitMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 2_000 }),
  },
  { additionalProperties: false },
);

/** Kubernetes-style text for humans: one `[+]`/`[-]` line per check. */
function verboseText(r: Readiness): string {
  const lines = r.checks.map((c) => `[${c.ok ? '+' : '-'}]${c.name} ${c.ok ? 'ok' : `failed: ${c.detail ?? 'not ok'}`}${c.critical ? '' : ' (non-critical)'}`);
  for (const reason of r.reasons) if (!r.checks.some((c) => reason.startsWith(`${c.name}:`))) lines.push(`[-]${reason}`);
  lines.push(r.ready ? 'readyz check passed' : 'readyz check failed');
  return lines.join('\n') + '\n';
}

export default definePlugin({
  id: 'health',
  version: '1.0.0',
  description: 'GET /livez, /readyz, /health, /version',
  dependsOn: ['http', 'runtime-info'],
  // Ordering only: the gateway port (when configured) tells whether its first probe completed.
  optionalDependsOn: ['gateway', 'backend'],
  configSchema: Options,
  register(api, options) {
    const { app } = api.use(HttpServiceRef);
    const info = api.use(RuntimeInfoRef);
    const gateway = api.tryUse(GatewayService);
    const gatewayCheck = () => {
      const provider = api.kernel.plugins().find((p) => p.provides.includes('gateway'))?.id;
      return provider ? `${provider}.reachable` : undefined;
    };
    /** The gateway's reachability check fails while its first probe is outstanding: that is `unknown`, not down. */
    const markPending = (r: Readiness): Readiness => {
      if (gateway?.status().reachable !== 'unknown') return r;
      const name = gatewayCheck();
      return { ...r, checks: r.checks.map((c) => (c.name === name && !c.ok ? { ...c, pending: true } : c)) };
    };
    const readiness = cachedReadiness(() => api.kernel.readiness().then(markPending), options.readinessCacheMs, () => api.clock.now());
    /**
     * Right after start the gateway's first probe (run by the gateway plugin at its start) may still
     * be on its way: wait for it, bounded, so the first /health carries real reachability. True when it waited.
     */
    const settleFirstProbe = async (): Promise<boolean> => {
      if (!gateway || gateway.status().reachable !== 'unknown' || options.firstProbeWaitMs === 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.firstProbeWaitMs);
        timer.unref();
      });
      // probe() joins the probe in flight; it never rejects (failures are its result).
      await Promise.race([gateway.probe().catch(() => undefined), bound]);
      clearTimeout(timer);
      return true;
    };
    const current = () => readiness.get(api.kernel.state !== 'running');
    const clean = <T>(value: T): T => sanitize(value, api.kernel.redact) as T;
    const delivery = new DeliveryStats();
    api.hooks.onDelivered.tap((event) => delivery.record(event, api.clock.now()));

    // Probes must never be cached by a proxy in between.
    const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

    app.get('/livez', async (_req, reply) => {
      noStore(reply);
      return { status: 'ok', uptimeSeconds: Math.round((api.clock.now() - api.runtime.startedAt) / 1000) };
    });

    app.get<{ Querystring: Record<string, string | undefined> }>('/readyz', async (req, reply) => {
      noStore(reply);
      const r = clean(await current());
      reply.code(r.ready ? 200 : 503);
      if (req.query.verbose !== undefined) return reply.type('text/plain; charset=utf-8').send(verboseText(r));
      return {
        status: r.ready ? 'ready' : 'not_ready',
        state: r.state,
        reasons: r.reasons,
        checks: r.checks.map((c) => ({ name: c.name, ok: c.ok, critical: c.critical, detail: c.detail ?? null })),
      };
    });

    app.get('/health', async (_req, reply) => {
      noStore(reply);
      const waited = await settleFirstProbe();
      const r = await readiness.get(waited || api.kernel.state !== 'running');
      const plugins = api.kernel.plugins();
      const body = buildHealth({
        readiness: r,
        plugins,
        statuses: api.kernel.statuses(),
        identity: info.identity(),
        delivery: delivery.snapshot(),
        now: api.clock.now(),
        startedAt: api.runtime.startedAt,
      });
      // Always 200 when we can answer: the verdict is in the body (`status`), 503 belongs to /readyz.
      reply.code(200);
      return clean(body);
    });

    app.get('/version', async (_req, reply) => {
      noStore(reply);
      const id = info.identity();
      return clean({
        runtimeServiceVersion: id.runtimeVersion,
        openclawVersion: id.openclawVersion ?? null,
        dropletId: id.dropletId ?? null,
        region: id.region ?? null,
        node: process.versions.node,
      });
    });
  },
});
