import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '../support/test-kernel.ts';
import { readFakeBackend, writeFakeBackend } from '../fixtures/plugins/fake-backend/index.ts';
import type { PendingUpgrade } from '../../core/ports/domain.ts';
import { eventually, FAKE_BACKEND, fakeBackendFile, get, tempDir } from './helpers.ts';
import { FakeClock } from '../delivery/fake-clock.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const upgrade = (over: Partial<PendingUpgrade> = {}): PendingUpgrade => ({
  targetRuntimeVersion: '1.3.0',
  targetOpenclawVersion: '2026.9.6',
  initiatedAt: Date.now(),
  initiatedBy: 'ops@example.com',
  strategy: 'immediate',
  ...over,
});

async function boot(backendFile: string, options: Record<string, unknown> = {}, env: Record<string, string> = {}, clock?: FakeClock) {
  const requests: Array<[string, number]> = [];
  const dataDir = tempDir();
  const t: TestKernel = await createTestKernel({
    plugins: [
      { use: 'http', options: { port: 0 } },
      { use: FAKE_BACKEND, options: { stateFile: backendFile } },
      { use: 'runtime-info' },
      { use: 'health', options: { readinessCacheMs: 0 } },
      // On a fake clock the plugin keeps its default intervals; on real time they are short.
      { use: 'self-upgrade', options: clock ? options : { intervalMs: 100, upgradeIntervalMs: 100, ...options } },
    ],
    runtime: { dataDir },
    env: { OPENCLAW_VERSION: '2026.9.6', ...env },
    version: '1.2.3',
    clock,
    onShutdownRequest: (reason, code) => void requests.push([reason, code]),
  });
  cleanups.push(() => t.kernel.stop('test end'));
  await t.kernel.start();
  return { ...t, requests, dataDir };
}

const calls = (file: string, fn: string) => readFakeBackend(file).calls?.[fn] ?? 0;

describe('self-upgrade plugin (in process)', () => {
  it('with the default intervals checks restart requests every minute and pending upgrades every three (idle call budget)', async () => {
    const clock = new FakeClock();
    const file = fakeBackendFile({});
    await boot(file, {}, {}, clock);
    await clock.settle();
    // At start: one of each.
    expect([calls(file, 'checkAndClearRestartRequested'), calls(file, 'getPendingUpgrade')]).toEqual([1, 1]);
    for (let s = 0; s < 30 * 60; s += 10) await clock.advance(10_000);
    // 30 minutes later: 30 more restart checks, 10 more upgrade checks — 40 calls, 0.022/s.
    expect([calls(file, 'checkAndClearRestartRequested'), calls(file, 'getPendingUpgrade')]).toEqual([31, 11]);
  });

  it('asks for one graceful shutdown with exit code 75 on a restart request', async () => {
    const file = fakeBackendFile({ restartRequested: true });
    const { requests } = await boot(file);
    await eventually(() => requests.length > 0);
    expect(requests).toEqual([['restart requested', 75]]);
    expect(readFakeBackend(file).restartRequested).toBe(false);
  });

  it('writes the upgrade it acts on to the state file before asking for the exit', async () => {
    const file = fakeBackendFile({ pendingUpgrade: upgrade() });
    const { requests, dataDir } = await boot(file);
    await eventually(() => requests.length > 0);
    expect(requests).toEqual([['upgrade to runtime 1.3.0 / openclaw 2026.9.6', 75]]);
    expect(existsSync(path.join(dataDir, 'self-upgrade.json'))).toBe(true);
  });

  it('ignores rolling upgrades and, with UPGRADE_MODE=off, immediate ones; keeps polling', async () => {
    const file = fakeBackendFile({ pendingUpgrade: upgrade({ strategy: 'rolling' }) });
    const { requests, logs } = await boot(file, {}, { UPGRADE_MODE: 'off' });
    await eventually(() => calls(file, 'getPendingUpgrade') >= 3);
    writeFakeBackend(file, { ...readFakeBackend(file), pendingUpgrade: upgrade() });
    const before = calls(file, 'getPendingUpgrade');
    await eventually(() => calls(file, 'getPendingUpgrade') >= before + 3);
    expect(requests).toEqual([]);
    const notes = logs.lines().filter((l) => l.plugin === 'self-upgrade' && typeof l.msg === 'string' && /fleet tooling|UPGRADE_MODE=off: not acting/.test(l.msg));
    // Said once per pending upgrade, not every tick.
    expect(notes).toHaveLength(2);
  });

  it('reports a pending upgrade it already exited for as degraded instead of exiting again', async () => {
    const file = fakeBackendFile({ pendingUpgrade: upgrade() });
    const first = await boot(file);
    await eventually(() => first.requests.length > 0);
    await first.kernel.stop('upgrade');
    // The supervisor restarts the same image: same versions, same data dir.
    const requests: Array<[string, number]> = [];
    const second = await createTestKernel({
      plugins: [
        { use: 'http', options: { port: 0 } },
        { use: FAKE_BACKEND, options: { stateFile: file } },
        { use: 'runtime-info' },
        { use: 'health', options: { readinessCacheMs: 0 } },
        { use: 'self-upgrade', options: { intervalMs: 100, upgradeIntervalMs: 100 } },
      ],
      runtime: { dataDir: first.dataDir },
      env: { OPENCLAW_VERSION: '2026.9.6' },
      version: '1.2.3',
      onShutdownRequest: (reason, code) => void requests.push([reason, code]),
    });
    cleanups.push(() => second.kernel.stop());
    await second.kernel.start();
    const before = calls(file, 'getPendingUpgrade');
    await eventually(() => calls(file, 'getPendingUpgrade') >= before + 4);
    expect(requests).toEqual([]);
    const health = (await get(second.kernel, '/health')).json() as { status: string; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(health.status).toBe('degraded');
    expect(health.checks.find((c) => c.name === 'self-upgrade.upgrade')).toMatchObject({ ok: false, detail: expect.stringMatching(/not exiting again/) });
    expect(second.logs.lines().filter((l) => l.level === 50 && /not exiting again/.test(String(l.msg)))).toHaveLength(1);
    // The backend drops the request (timeout or operator): the state file is forgotten, health recovers.
    writeFakeBackend(file, { ...readFakeBackend(file), pendingUpgrade: null });
    await eventually(async () => ((await get(second.kernel, '/health')).json() as { status: string }).status === 'ok');
    expect(existsSync(path.join(first.dataDir, 'self-upgrade.json'))).toBe(false);
  });
});
