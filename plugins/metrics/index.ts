/**
 * metrics: GET /metrics in the Prometheus text exposition format (0.0.4) from
 * the kernel's own registry: process and Node.js defaults, the kernel's plugin
 * metrics, `runtime_build_info`, and whatever other plugins registered through
 * `api.metrics`. Each metric belongs to the plugin that produces its events
 * (deliveries to `delivery`, tool calls to the tool executor, gateway latency to
 * `gateway-openclaw`), so nothing is counted twice; docs/operations.md lists
 * the catalog. No JSON variant and no sample timestamps.
 */
import Type from 'typebox';
import { collectDefaultMetrics } from 'prom-client';
import { definePlugin } from '../../core/plugin.ts';
import { HttpServiceRef } from '../../core/services.ts';
import { RuntimeInfoRef } from '../runtime-info/service.ts';

const Options = Type.Object(
  {
    /** Process and Node.js metrics (process_*, nodejs_*). */
    defaultMetrics: Type.Boolean({ default: true }),
    /**
     * How often the event-loop delay histogram samples, in ms: a timer that wakes the process, idle or
     * not (prom-client's 10 ms took ~4–5 ms of CPU a second on an idle runtime). Its gauges
     * (nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds) report the time between two
     * samples, so an idle loop reads about this value; the delay is the excess over it. At most 1 s:
     * a scrape that finds no complete interval reports an empty histogram.
     */
    eventLoopResolutionMs: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'metrics',
  version: '1.0.0',
  description: 'GET /metrics (Prometheus text format): process defaults, build info and every plugin metric',
  dependsOn: ['http', 'runtime-info'],
  configSchema: Options,
  register(api, options) {
    const { app } = api.use(HttpServiceRef);
    const info = api.use(RuntimeInfoRef);
    const registry = api.metrics.registry;

    api.metrics.gauge({
      name: 'runtime_build_info',
      help: 'Always 1; labels carry the running versions',
      labelNames: ['version', 'openclaw_version'],
      // Evaluated per scrape: the OpenClaw version may be detected after start.
      collect() {
        const id = info.identity();
        this.reset();
        this.set({ version: id.runtimeVersion, openclaw_version: id.openclawVersion ?? '' }, 1);
      },
    });

    app.get('/metrics', async (_req, reply) => {
      const text = await registry.metrics();
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
    });

    return {
      // At start, after the HTTP server listens: the default collectors (event-loop delay histogram,
      // GC observer, ~20 metrics) cost ~15 ms that /livez need not wait for.
      start() {
        // Default collectors register fixed names; a second call on one registry would throw.
        if (options.defaultMetrics && !registry.getSingleMetric('process_cpu_seconds_total')) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: options.eventLoopResolutionMs });
      },
    };
  },
});
