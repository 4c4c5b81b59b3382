/**
 * The real process on the embedded backend: `mc-runtime start` exits exactly
 * once, gracefully and with code 75, for a pending upgrade and for a restart
 * request; the next start on the same state stays up.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.ts';
import { openLocalBackend } from '../../plugins/backend-local/index.ts';
import { seedDemoAccount } from '../../plugins/backend-local/seed.ts';
import { withAccount } from '../../plugins/backend-local/admin.ts';
import { requestRestart, requestUpgrade, runtimeState } from '../../plugins/backend-local/runtime.ts';
import type { Ctx } from '../../plugins/backend-local/model.ts';
import { eventually, tempDir } from './helpers.ts';

function setup() {
  const dir = tempDir('mc-upgrade-');
  const dbPath = path.join(dir, 'mc.sqlite');
  const local = openLocalBackend(dbPath);
  const { accountId } = seedDemoAccount(local.db);
  local.close();
  const config = path.join(dir, 'runtime.json');
  writeFileSync(
    config,
    JSON.stringify({
      runtime: { dataDir: path.join(dir, 'data'), shutdownTimeoutMs: 5_000 },
      plugins: [
        { use: 'http', options: { port: 0 } },
        'runtime-info',
        'health',
        'metrics',
        { use: 'backend-local', options: { path: dbPath } },
        { use: 'status-report', options: { intervalMs: 200, initialGraceMs: 0 } },
        { use: 'self-upgrade', options: { intervalMs: 200, upgradeIntervalMs: 200 } },
      ],
    }),
  );
  /** Acts on the account like the operator UI does (same database file). */
  const backend = <T>(fn: (ctx: Ctx) => T): T => {
    const b = openLocalBackend(dbPath);
    try {
      return withAccount(b.db, accountId, 'write', fn);
    } finally {
      b.close();
    }
  };
  return { dir, config, backend };
}

const env = (runtimeVersion: string) => ({ RUNTIME_VERSION: runtimeVersion, OPENCLAW_VERSION: '2026.9.6', NODE_ENV: 'production' });

/** Starts the runtime, waits until `settled` holds (checks have run), makes sure it did not exit, then stops it with SIGTERM. */
async function runsWithoutExiting(config: string, runtimeVersion: string, settled: (output: string) => boolean) {
  const run = startCli(['--config', config], { env: env(runtimeVersion) });
  let exitedEarly: number | null | undefined;
  void run.exited.then((code) => (exitedEarly = code));
  await run.waitFor(/"msg":"runtime started"/);
  await eventually(() => exitedEarly !== undefined || settled(run.output()), 10_000);
  // A few more check intervals: still up.
  await new Promise((r) => setTimeout(r, 800));
  expect(exitedEarly, run.output()).toBeUndefined();
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
  return run.output();
}

describe('self-upgrade in a real process (embedded backend)', () => {
  it('a pending upgrade causes exactly one graceful exit (75); the same image restarted stays up, degraded; the new image records success', async () => {
    const { dir, config, backend } = setup();
    backend((ctx) => requestUpgrade(ctx, { targetRuntimeVersion: '1.3.0', targetOpenclawVersion: '2026.9.6', initiatedBy: 'ops@example.com' }));

    const first = startCli(['--config', config], { env: env('1.2.3') });
    expect(await first.exited).toBe(75);
    expect(first.output()).toMatch(/upgrade to runtime 1\.3\.0 \/ openclaw 2026\.9\.6: shutting down gracefully \(exit 75\)/);
    expect(first.output()).toMatch(/"msg":"runtime stopped"/);
    // Graceful: the backend heard "offline" before the process exited.
    expect(backend(runtimeState).status).toBe('offline');
    expect(existsSync(path.join(dir, 'data', 'self-upgrade.json'))).toBe(true);

    // The supervisor restarted the same image: no second exit for the same upgrade, reported degraded.
    const second = await runsWithoutExiting(config, '1.2.3', (out) => /not exiting again for this upgrade/.test(out) && /"status":"degraded"/.test(out));
    // Logged once by self-upgrade (status-report may quote it as a degraded reason; that is not a repeat).
    expect(second.match(/"plugin":"self-upgrade"[^\n]*not exiting again for this upgrade/g)).toHaveLength(1);

    // The image was swapped: the first report carries the target versions; the backend records success.
    await runsWithoutExiting(config, '1.3.0', () => backend(runtimeState).upgradeHistory.length > 0);
    const state = backend(runtimeState);
    expect(state.upgradeHistory).toEqual([expect.objectContaining({ status: 'success', toRuntimeVersion: '1.3.0', fromRuntimeVersion: '1.2.3' })]);
    expect(state.config).toMatchObject({ runtimeServiceVersion: '1.3.0', openclawVersion: '2026.9.6' });
    expect(existsSync(path.join(dir, 'data', 'self-upgrade.json'))).toBe(false);
  });

  it('a restart request causes exactly one graceful exit (75)', async () => {
    const { config, backend } = setup();
    backend(requestRestart);
    const first = startCli(['--config', config], { env: env('1.2.3') });
    expect(await first.exited).toBe(75);
    expect(first.output()).toMatch(/restart requested: shutting down gracefully \(exit 75\)/);
    expect(backend(runtimeState)).toMatchObject({ status: 'offline', restartRequested: false });

    await runsWithoutExiting(config, '1.2.3', () => backend(runtimeState).status === 'online');
    // A new request is honoured again, once.
    backend(requestRestart);
    const third = startCli(['--config', config], { env: env('1.2.3') });
    expect(await third.exited).toBe(75);
  });
});
