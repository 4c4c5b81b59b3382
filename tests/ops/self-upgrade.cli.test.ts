/**
 * The real process: `mc-runtime start` exits exactly once, gracefully and with
 * code 75, for a pending upgrade and for a restart request; the next start on
 * the same state stays up.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.ts';
import { readFakeBackend, writeFakeBackend } from '../fixtures/plugins/fake-backend/index.ts';
import { eventually, FAKE_BACKEND, fakeBackendFile, tempDir } from './helpers.ts';

function setup(state: Parameters<typeof fakeBackendFile>[0]) {
  const dir = tempDir('mc-upgrade-');
  const backend = fakeBackendFile(state, dir);
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
        { use: FAKE_BACKEND, options: { stateFile: backend } },
        { use: 'status-report', options: { intervalMs: 200, initialGraceMs: 0 } },
        { use: 'self-upgrade', options: { intervalMs: 200 } },
      ],
    }),
  );
  return { dir, backend, config };
}

const env = (runtimeVersion: string) => ({ RUNTIME_VERSION: runtimeVersion, OPENCLAW_VERSION: '2026.9.6', NODE_ENV: 'production' });
const calls = (file: string, fn: string) => readFakeBackend(file).calls?.[fn] ?? 0;
const statuses = (file: string) => (readFakeBackend(file).reports ?? []).map((r) => r.status);

/** Starts the runtime, lets the self-upgrade plugin check `ticks` times, and stops it with SIGTERM. */
async function runsWithoutExiting(config: string, backend: string, runtimeVersion: string, ticks = 4) {
  const run = startCli(['--config', config], { env: env(runtimeVersion) });
  let exitedEarly: number | null | undefined;
  void run.exited.then((code) => (exitedEarly = code));
  await run.waitFor(/"msg":"runtime started"/);
  const before = calls(backend, 'getPendingUpgrade');
  await eventually(() => exitedEarly !== undefined || calls(backend, 'getPendingUpgrade') >= before + ticks, 10_000);
  expect(exitedEarly, run.output()).toBeUndefined();
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
  return run.output();
}

describe('self-upgrade in a real process', () => {
  it('a pending upgrade causes exactly one graceful exit (75); the same image restarted stays up, degraded; the new image reports success', async () => {
    const { dir, backend, config } = setup({
      pendingUpgrade: { targetRuntimeVersion: '1.3.0', targetOpenclawVersion: '2026.9.6', initiatedAt: Date.now(), initiatedBy: 'ops@example.com', strategy: 'immediate' },
    });
    const first = startCli(['--config', config], { env: env('1.2.3') });
    expect(await first.exited).toBe(75);
    const out = first.output();
    expect(out).toMatch(/upgrade to runtime 1\.3\.0 \/ openclaw 2026\.9\.6: shutting down gracefully \(exit 75\)/);
    expect(out).toMatch(/"msg":"runtime stopped"/);
    // Graceful: the backend heard "offline" from this process before it exited.
    expect(statuses(backend).at(-1)).toBe('offline');
    expect(existsSync(path.join(dir, 'data', 'self-upgrade.json'))).toBe(true);

    // The supervisor restarted the same image: no second exit for the same upgrade.
    const second = await runsWithoutExiting(config, backend, '1.2.3');
    expect(second).toMatch(/not exiting again for this upgrade/);
    expect(statuses(backend)).toContain('degraded');
    expect(readFakeBackend(backend).pendingUpgrade).not.toBeNull();

    // The image was swapped: the first report carries the target versions, which clears the upgrade.
    await runsWithoutExiting(config, backend, '1.3.0');
    expect(readFakeBackend(backend).pendingUpgrade).toBeNull();
    expect(existsSync(path.join(dir, 'data', 'self-upgrade.json'))).toBe(false);
    expect(readFakeBackend(backend).reports!.filter((r) => r.status === 'online').at(-1)!.config!.runtimeServiceVersion).toBe('1.3.0');
  });

  it('a restart request causes exactly one graceful exit (75)', async () => {
    const { backend, config } = setup({ restartRequested: true });
    const first = startCli(['--config', config], { env: env('1.2.3') });
    expect(await first.exited).toBe(75);
    expect(first.output()).toMatch(/restart requested: shutting down gracefully \(exit 75\)/);
    expect(statuses(backend).at(-1)).toBe('offline');
    expect(readFakeBackend(backend).restartRequested).toBe(false);
    await runsWithoutExiting(config, backend, '1.2.3');
    // A new request is honoured again, once.
    writeFakeBackend(backend, { ...readFakeBackend(backend), restartRequested: true });
    const third = startCli(['--config', config], { env: env('1.2.3') });
    expect(await third.exited).toBe(75);
  });
});
