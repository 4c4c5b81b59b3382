/**
 * status-report: tells the backend this runtime's state (online or degraded),
 * versions and infrastructure ids at start and every `intervalMs`, and
 * `offline` when it stops (after in-flight work drained). See reporter.ts.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { BackendService } from '../../core/services.ts';
import { RuntimeInfoRef } from '../runtime-info/service.ts';
import { StatusReporter } from './reporter.ts';

/** The backend marks a runtime offline after 90 s of silence; 60 s leaves room for one lost report. */
export const MAX_INTERVAL_MS = 60_000;

const Options = Type.Object(
  {
    intervalMs: Type.Integer({
      minimum: 100,
      maximum: MAX_INTERVAL_MS,
      default: 30_000,
      description: 'Report period (HEALTH_CHECK_INTERVAL); at most 60000 because the backend marks a silent runtime offline after 90 s',
    }),
    reportTimeoutMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 10_000 }),
    initialGraceMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 5_000 }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'status-report',
  version: '1.0.0',
  description: 'Periodic runtime status reports to the backend (online/degraded; offline on shutdown)',
  dependsOn: ['backend', 'runtime-info'],
  configSchema: Options,
  env: {
    HEALTH_CHECK_INTERVAL: { path: 'intervalMs', type: 'integer' },
  },
  register(api, options) {
    const backend = api.use(BackendService);
    const info = api.use(RuntimeInfoRef);
    const reports = api.metrics.counter({
      name: 'runtime_status_reports_total',
      help: 'Status reports sent to the backend by reported status and result (ok, error)',
      labelNames: ['status', 'result'],
    });
    const ready = api.metrics.gauge({ name: 'runtime_ready', help: 'Readiness at the last status report (1 ready, 0 not)' });
    const lastOk = api.metrics.gauge({ name: 'runtime_status_last_success_timestamp_seconds', help: 'When the backend last accepted a status report' });

    const reporter = new StatusReporter(options, {
      backend,
      identity: () => info.identity(),
      readiness: () => api.kernel.readiness(),
      plugins: () => api.kernel.plugins(),
      clock: api.clock,
      logger: api.logger,
      onAttempt(status, ok, readiness) {
        reports.inc({ status, result: ok ? 'ok' : 'error' });
        if (readiness) ready.set(readiness.ready ? 1 : 0);
        if (ok) lastOk.set(api.clock.now() / 1000);
      },
    });
    api.health.status(() => reporter.snapshot());

    const stopLoop = new AbortController();
    let loop: Promise<void> | undefined;
    // Start reporting once every plugin started, so the first report sees the whole runtime.
    api.hooks.onStart.tap(() => {
      const signal = AbortSignal.any([stopLoop.signal, api.kernel.shutdownSignal]);
      loop = reporter.run(signal).catch((err: unknown) => api.logger.error({ err }, 'status report loop failed'));
    });

    return {
      async stop() {
        stopLoop.abort();
        if (!loop) return;
        // A report still in flight must land before `offline`, never after it.
        await loop;
        await reporter.offline();
      },
    };
  },
});
