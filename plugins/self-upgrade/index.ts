/**
 * self-upgrade: follows restart requests and pending upgrades from the backend
 * by shutting down gracefully (drain, report offline) and exiting with a code
 * the supervisor restarts on (75 by default). Restart requests are cleared by
 * the backend when read, so each causes one exit; a pending upgrade causes one
 * exit per request (see decide.ts and state.ts). UPGRADE_MODE: `exit` (default)
 * or `off` (log only). Rolling and canary upgrades are left to fleet tooling.
 *
 * Every check is a billed backend call for every account of a fleet, all day:
 * restart requests (an operator waiting) are checked every minute, pending
 * upgrades (a rollout of minutes) every three (docs/performance.md, idle calls).
 */
import path from 'node:path';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { BackendService } from '../../core/services.ts';
import type { PendingUpgrade } from '../../core/ports/domain.ts';
import { withTimeout } from '../../core/timeout.ts';
import { RuntimeInfoRef } from '../runtime-info/service.ts';
import { decideUpgrade, describeTarget, upgradeKey, type UpgradeDecision } from './decide.ts';
import { UpgradeStateFile } from './state.ts';

const Options = Type.Object(
  {
    mode: Type.Enum(['exit', 'off'], { default: 'exit', description: 'UPGRADE_MODE: exit (graceful exit for the supervisor to restart on the new image) or off (log only)' }),
    intervalMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 60_000, description: 'How often restart requests are checked' }),
    upgradeIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 180_000, description: 'How often pending upgrades are checked (on a restart check, once this long passed since the last)' }),
    /** Follow the operator's "restart runtime" button. */
    restartOnRequest: Type.Boolean({ default: true }),
    /** Exit code of a requested restart or upgrade; 75 (EX_TEMPFAIL) means "restart me". */
    exitCode: Type.Integer({ minimum: 1, maximum: 125, default: 75 }),
    /** State file, relative to the runtime data dir. */
    stateFile: Type.String({ minLength: 1, default: 'self-upgrade.json' }),
    callTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'self-upgrade',
  version: '1.0.0',
  description: 'Acts on restart requests and pending upgrades with one graceful exit each',
  dependsOn: ['backend', 'runtime-info'],
  configSchema: Options,
  env: {
    UPGRADE_MODE: { path: 'mode', type: 'string' },
  },
  register(api, options) {
    const backend = api.use(BackendService);
    const info = api.use(RuntimeInfoRef);
    const state = new UpgradeStateFile(path.resolve(api.runtime.dataDir, options.stateFile));
    const blockedGauge = api.metrics.gauge({ name: 'runtime_upgrade_blocked', help: '1 when a pending upgrade was acted on but the runtime came back on the old versions' });

    let lastDecision: UpgradeDecision | undefined;
    let lastPending: PendingUpgrade | null = null;
    let lastCheckAt: number | undefined;
    let lastUpgradeCheckAt: number | undefined;
    let lastError: string | undefined;
    let logged = '';
    let exiting = false;

    api.health.check(
      'upgrade',
      () => (lastDecision?.action === 'blocked' ? { ok: false, detail: lastDecision.reason } : { ok: true }),
      // Not critical: a runtime whose upgrade did not take still works; it is degraded, not unready.
      { critical: false },
    );
    api.health.status(() => ({
      mode: options.mode,
      lastCheckAt: lastCheckAt === undefined ? null : new Date(lastCheckAt).toISOString(),
      pending: lastPending ? { ...lastPending, initiatedAt: new Date(lastPending.initiatedAt).toISOString() } : null,
      decision: lastDecision ?? null,
      lastError: lastError ?? null,
    }));

    const call = <T>(p: Promise<T>, what: string) => withTimeout(p, options.callTimeoutMs, `${what} timed out after ${options.callTimeoutMs} ms`);

    function shutdown(reason: string): void {
      exiting = true;
      api.logger.warn({ reason, exitCode: options.exitCode }, `${reason}: shutting down gracefully (exit ${options.exitCode})`);
      api.requestShutdown(reason, options.exitCode);
    }

    /** One check; returns false once an exit was requested. */
    async function tick(): Promise<boolean> {
      const now = api.clock.now();
      lastCheckAt = now;
      if (options.restartOnRequest) {
        const { restartRequested } = await call(backend.checkAndClearRestartRequested(), 'checkAndClearRestartRequested');
        if (restartRequested) {
          shutdown('restart requested');
          return false;
        }
      }
      if (lastUpgradeCheckAt !== undefined && now - lastUpgradeCheckAt < options.upgradeIntervalMs) return true;
      const pending = await call(backend.getPendingUpgrade(), 'getPendingUpgrade');
      // Set once answered: a failed check is tried again on the next tick.
      lastUpgradeCheckAt = now;
      const identity = info.identity();
      const acted = state.read();
      const decision = decideUpgrade(pending, identity, acted, options.mode);
      lastPending = pending;
      lastDecision = decision;
      lastError = undefined;
      blockedGauge.set(decision.action === 'blocked' ? 1 : 0);
      // The remembered upgrade is done with once the backend no longer asks for it.
      if (acted && (!pending || upgradeKey(pending) !== acted.key)) state.clear();
      if (decision.action === 'exit' && pending) {
        state.write({
          key: upgradeKey(pending),
          targetRuntimeVersion: pending.targetRuntimeVersion,
          targetOpenclawVersion: pending.targetOpenclawVersion,
          fromRuntimeVersion: identity.runtimeVersion,
          fromOpenclawVersion: identity.openclawVersion ?? null,
          exitedAt: api.clock.now(),
        });
        shutdown(`upgrade to ${describeTarget(pending)}`);
        return false;
      }
      // ignore/blocked repeat every tick; say it once per pending upgrade.
      const note = pending ? `${decision.action}:${upgradeKey(pending)}` : '';
      if (note !== logged && (decision.action === 'ignore' || decision.action === 'blocked')) {
        if (decision.action === 'blocked') api.logger.error({ pending }, decision.reason);
        else api.logger.info({ pending }, decision.reason);
      }
      logged = note;
      return true;
    }

    const stopLoop = new AbortController();
    let loop: Promise<void> | undefined;
    async function run(signal: AbortSignal): Promise<void> {
      let failures = 0;
      while (!signal.aborted && !exiting) {
        try {
          if (!(await tick())) return;
          failures = 0;
        } catch (err) {
          failures += 1;
          lastError = (err as Error)?.message?.slice(0, 300) ?? String(err);
          if (failures === 1 || failures % 10 === 0) api.logger.warn({ failures, error: lastError }, 'restart/upgrade check failed');
        }
        try {
          await api.clock.sleep(options.intervalMs, signal);
        } catch {
          return;
        }
      }
    }

    api.hooks.onStart.tap(() => {
      if (options.mode === 'off') api.logger.info('UPGRADE_MODE=off: pending upgrades are logged, not acted on');
      loop = run(AbortSignal.any([stopLoop.signal, api.kernel.shutdownSignal]));
    });

    return {
      async stop() {
        stopLoop.abort();
        await loop;
      },
    };
  },
});
