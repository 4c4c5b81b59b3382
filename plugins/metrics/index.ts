/**
 * metrics: GET /metrics in the Prometheus text exposition format (0.0.4) from
 * the kernel's own registry: process and Node.js defaults, the kernel's plugin
 * metrics, whatever other plugins registered through `api.metrics`, and the
 * runtime metrics of catalog.ts. No JSON variant and no sample timestamps.
 */
import Type from 'typebox';
import { collectDefaultMetrics } from 'prom-client';
import { definePlugin } from '../../core/plugin.ts';
import { HttpServiceRef } from '../../core/services.ts';
import { RuntimeInfoRef } from '../runtime-info/service.ts';
import { createRuntimeMetrics } from './catalog.ts';

const Options = Type.Object(
  {
    /** Process and Node.js metrics (process_*, nodejs_*). */
    defaultMetrics: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'metrics',
  version: '1.0.0',
  description: 'GET /metrics (Prometheus text format) and the runtime metric catalog',
  dependsOn: ['http', 'runtime-info'],
  configSchema: Options,
  register(api, options) {
    const { app } = api.use(HttpServiceRef);
    const info = api.use(RuntimeInfoRef);
    const registry = api.metrics.registry;
    // Default collectors register fixed names; a second call on one registry would throw.
    if (options.defaultMetrics && !registry.getSingleMetric('process_cpu_seconds_total')) collectDefaultMetrics({ register: registry });

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

    const runtime = createRuntimeMetrics(api.metrics);
    api.hooks.onDelivered.tap((e) => runtime.delivered(e));
    api.hooks.afterToolCall.tap((e) => runtime.toolCall(e, (name) => api.tools.get(name) !== undefined));
    api.hooks.onHeartbeat.tap((e) => runtime.heartbeat(e));

    app.get('/metrics', async (_req, reply) => {
      const text = await registry.metrics();
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
    });
  },
});
