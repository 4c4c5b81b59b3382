import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { ConfigError } from '../../core/config/index.ts';
import { createTestKernel, type TestKernel } from '../support/test-kernel.ts';
import { readFakeBackend, writeFakeBackend } from '../fixtures/plugins/fake-backend/index.ts';
import { eventually, FAKE_BACKEND, fakeBackendFile, switchPlugin } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const ENV = { OPENCLAW_VERSION: '2026.9.6', DROPLET_ID: 'drop-1', DROPLET_IP: '203.0.113.7', DROPLET_REGION: 'fra1' };

async function boot(backendFile: string, options: Record<string, unknown>, extra: Parameters<typeof createTestKernel>[0]['plugins'] = [], env: Record<string, string> = ENV): Promise<TestKernel> {
  const t = await createTestKernel({
    plugins: [{ use: FAKE_BACKEND, options: { stateFile: backendFile } }, { use: 'runtime-info' }, { use: 'status-report', options }, ...extra],
    env,
    version: '3.4.5',
  });
  cleanups.push(() => t.kernel.stop('test end'));
  await t.kernel.start();
  return t;
}

const statuses = (file: string) => (readFakeBackend(file).reports ?? []).map((r) => r.status);

describe('status-report plugin', () => {
  it('reports online with versions and infrastructure ids at start, not after one interval', async () => {
    const file = fakeBackendFile();
    await boot(file, { intervalMs: 60_000 });
    await eventually(() => statuses(file).length === 1, 2_000);
    const [report] = readFakeBackend(file).reports!;
    expect(report.status).toBe('online');
    expect(report.config).toEqual({
      dropletId: 'drop-1',
      ipAddress: '203.0.113.7',
      region: 'fra1',
      lastHealthCheck: expect.any(Number),
      openclawVersion: '2026.9.6',
      runtimeServiceVersion: '3.4.5',
    });
    expect(Math.abs(report.config!.lastHealthCheck! - Date.now())).toBeLessThan(5_000);
  });

  it('reports degraded while a critical or non-critical check fails, online again after', async () => {
    const file = fakeBackendFile();
    const sw = switchPlugin();
    const soft = { ok: true };
    const optional = definePlugin({
      id: 'optional',
      version: '1.0.0',
      configSchema: Type.Object({}, { additionalProperties: false }),
      register(api) {
        api.health.check('feature', () => (soft.ok ? { ok: true } : { ok: false, detail: 'feature off' }), { critical: false });
      },
    });
    const { logs } = await boot(file, { intervalMs: 100 }, [{ plugin: sw.plugin }, { plugin: optional }]);
    await eventually(() => statuses(file).includes('online'));
    sw.state.ok = false;
    await eventually(() => statuses(file).at(-1) === 'degraded');
    sw.state.ok = true;
    await eventually(() => statuses(file).at(-1) === 'online');
    soft.ok = false;
    await eventually(() => statuses(file).at(-1) === 'degraded');
    soft.ok = true;
    await eventually(() => statuses(file).at(-1) === 'online');
    // Status changes are logged once each, with the reasons; steady reports are not.
    const changes = logs.lines().filter((l) => typeof l.msg === 'string' && l.msg.startsWith('runtime status reported'));
    expect(changes.map((l) => l.status)).toEqual(['online', 'degraded', 'online', 'degraded', 'online']);
    expect(changes[1].reasons).toEqual(['switch.dependency: dependency down']);
  });

  it('reports degraded while an optional plugin failed to boot', async () => {
    const file = fakeBackendFile();
    const broken = definePlugin({
      id: 'broken',
      version: '1.0.0',
      configSchema: Type.Object({}, { additionalProperties: false }),
      register() {
        throw new Error('cannot start');
      },
    });
    const { logs } = await boot(file, { intervalMs: 60_000 }, [{ plugin: broken, onBootFailure: 'continue' }]);
    await eventually(() => statuses(file).length === 1, 2_000);
    expect(statuses(file)).toEqual(['degraded']);
    expect(logs.find((l) => l.msg === 'runtime status reported: degraded')?.reasons).toEqual(['plugin broken is failed']);
  });

  it('waits briefly for readiness at start so a dependency still coming up is not reported degraded', async () => {
    const file = fakeBackendFile();
    const sw = switchPlugin(false);
    setTimeout(() => (sw.state.ok = true), 300);
    await boot(file, { intervalMs: 60_000, initialGraceMs: 3_000 }, [{ plugin: sw.plugin }]);
    await eventually(() => statuses(file).length === 1, 4_000);
    expect(statuses(file)).toEqual(['online']);
  });

  it('reports offline once on stop, after in-flight work drained', async () => {
    const file = fakeBackendFile();
    const seenDuringDrain: string[][] = [];
    const drainer = definePlugin({
      id: 'drainer',
      version: '1.0.0',
      dependsOn: ['status-report'],
      configSchema: Type.Object({}, { additionalProperties: false }),
      register(api) {
        api.hooks.onShutdown.tap(async () => {
          await new Promise((r) => setTimeout(r, 150));
          seenDuringDrain.push(statuses(file));
        });
      },
    });
    const { kernel } = await boot(file, { intervalMs: 100 }, [{ plugin: drainer }]);
    await eventually(() => statuses(file).length >= 2);
    await kernel.stop('test');
    expect(seenDuringDrain[0]).not.toContain('offline');
    const all = statuses(file);
    expect(all.at(-1)).toBe('offline');
    expect(all.filter((s) => s === 'offline')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 250));
    expect(statuses(file)).toEqual(all);
  });

  it('survives a backend outage without flooding the log, and reports again when it returns', async () => {
    const file = fakeBackendFile({ reachable: false });
    const { logs } = await boot(file, { intervalMs: 100, initialGraceMs: 0 });
    await eventually(() => (readFakeBackend(file).calls?.updateRuntimeStatus ?? 0) === 0 && logs.lines().some((l) => l.msg === 'status report failed'));
    await new Promise((r) => setTimeout(r, 500));
    expect(logs.lines().filter((l) => l.msg === 'status report failed').length).toBe(1);
    writeFakeBackend(file, { ...readFakeBackend(file), reachable: true });
    await eventually(() => statuses(file).includes('online'));
    expect(logs.find((l) => l.msg === 'status reports reach the backend again')).toBeDefined();
  });

  it('refuses HEALTH_CHECK_INTERVAL above 60 s (the backend marks a runtime offline after 90 s)', async () => {
    const err = await createTestKernel({
      plugins: [{ use: FAKE_BACKEND, options: { stateFile: fakeBackendFile() } }, { use: 'runtime-info' }, { use: 'status-report' }],
      env: { HEALTH_CHECK_INTERVAL: '300000' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/env:HEALTH_CHECK_INTERVAL:\/plugins\/\d\/options\/intervalMs \(status-report\): must be <= 60000 \(got 300000\)/);
  });
});
