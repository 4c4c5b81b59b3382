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
import { PeerDetector } from './peers.ts';
import { DataDirProbe } from './data-dir.ts';

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
    /** Clock skew tolerated between the backend and this host when telling a peer's work from a previous life's. */
    peerSkewMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000 }),
    /** How long `/health` stays degraded after the last sign of another runtime on this account. */
    peerHoldMs: Type.Integer({ minimum: 1_000, maximum: 86_400_000, default: 900_000 }),
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
    // Another runtime on this account (peers.ts): loud in the log, `degraded` on /health and in reports.
    const peerEvidence = api.metrics.counter({
      name: 'runtime_peer_runtime_evidence_total',
      help: 'Notifications this runtime never ran that another process picked up after it started (another runtime on the account)',
    });
    const peers = new PeerDetector(
      { startedAt: api.runtime.startedAt, skewMs: options.peerSkewMs, holdMs: options.peerHoldMs },
      api.clock,
      api.logger,
      () => peerEvidence.inc(),
    );
    // First of all policy taps (it never decides), so every admitted notification is seen.
    api.hooks.onNotification.tap(
      (e) => {
        peers.admitted(e.context?.notification ?? e.notification);
        return undefined;
      },
      { stage: Number.MIN_SAFE_INTEGER },
    );
    api.health.check('single-runtime', () => (peers.suspected ? { ok: false, detail: peers.detail() } : { ok: true }), { critical: false });
    api.health.status(() => ({ ...reporter.snapshot(), peers: peers.snapshot() }));
    // A full or read-only data dir: nothing can be recorded there (data-dir.ts).
    const dataDir = new DataDirProbe(api.runtime.dataDir, () => api.clock.now());
    api.health.check('data-dir-writable', () => dataDir.check(), { critical: false });

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
