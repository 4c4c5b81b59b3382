import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { createTestKernel, type TestKernel } from '../support/test-kernel.ts';
import { startScriptedGateway, type ScriptedGateway } from '../support/scripted-gateway.ts';
import { readFakeBackend, writeFakeBackend } from '../fixtures/plugins/fake-backend/index.ts';
import { eventually, FAKE_BACKEND, fakeBackendFile, get, switchPlugin } from './helpers.ts';

/** A gateway stand-in whose readiness endpoint (GET /v1/models) answers after `delayMs`. */
async function slowModelsGateway(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const timer = setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'openclaw', object: 'model' }] }));
    }, delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function boot(plugins: Parameters<typeof createTestKernel>[0]['plugins'], env: Record<string, string> = {}): Promise<TestKernel> {
  const t = await createTestKernel({
    plugins: [{ use: 'http', options: { port: 0 } }, { use: 'runtime-info' }, { use: 'health', options: { readinessCacheMs: 0 } }, ...plugins],
    env,
    version: '3.4.5',
  });
  cleanups.push(() => t.kernel.stop('test end'));
  await t.kernel.start();
  return t;
}

describe('health plugin: probes', () => {
  it('serves /livez, /version and a ready /readyz', async () => {
    const { kernel } = await boot([], { OPENCLAW_VERSION: '2026.9.6', DROPLET_ID: 'drop-1', DROPLET_REGION: 'fra1', DROPLET_IP: '203.0.113.7' });
    const live = await get(kernel, '/livez');
    expect(live.status).toBe(200);
    expect(live.json()).toMatchObject({ status: 'ok' });
    expect((await get(kernel, '/version')).json()).toEqual({
      runtimeServiceVersion: '3.4.5',
      openclawVersion: '2026.9.6',
      dropletId: 'drop-1',
      region: 'fra1',
      node: process.versions.node,
    });
    const ready = await get(kernel, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', state: 'running', reasons: [] });
  });

  it('/readyz flips to 503 with the reason when a critical check fails, and back to 200', async () => {
    const sw = switchPlugin();
    const { kernel } = await boot([{ plugin: sw.plugin }]);
    expect((await get(kernel, '/readyz')).status).toBe(200);
    sw.state.ok = false;
    const down = await get(kernel, '/readyz');
    expect(down.status).toBe(503);
    expect(down.json()).toMatchObject({ status: 'not_ready', reasons: ['switch.dependency: dependency down'] });
    const verbose = await get(kernel, '/readyz?verbose');
    expect(verbose.status).toBe(503);
    expect(verbose.type).toMatch(/^text\/plain/);
    expect(verbose.text).toMatch(/^\[-\]switch\.dependency failed: dependency down$/m);
    expect(verbose.text).toMatch(/readyz check failed\n$/);
    // Liveness does not depend on upstreams.
    expect((await get(kernel, '/livez')).status).toBe(200);
    sw.state.ok = true;
    expect((await get(kernel, '/readyz')).status).toBe(200);
    expect((await get(kernel, '/readyz?verbose')).text).toMatch(/^\[\+\]switch\.dependency ok$/m);
  });

  it('/readyz follows the real gateway going away and coming back, and the backend likewise', async () => {
    const gw: ScriptedGateway = await startScriptedGateway();
    cleanups.push(() => gw.close());
    const backendFile = fakeBackendFile();
    const { kernel } = await boot([
      { use: 'gateway-openclaw', options: { url: gw.url, probeIntervalMs: 100, downRetryMinMs: 50, probeTimeoutMs: 500 } },
      { use: FAKE_BACKEND, options: { stateFile: backendFile } },
    ]);
    const readyz = async () => (await get(kernel, '/readyz')).status;
    await eventually(async () => (await readyz()) === 200);

    await gw.stop();
    await eventually(async () => (await readyz()) === 503);
    const body = (await get(kernel, '/readyz')).json() as { reasons: string[] };
    expect(body.reasons).toEqual([expect.stringMatching(/^gateway-openclaw\.reachable: gateway unreachable/)]);
    await gw.start();
    await eventually(async () => (await readyz()) === 200);

    writeFakeBackend(backendFile, { ...readFakeBackend(backendFile), reachable: false });
    expect(await readyz()).toBe(503);
    expect(((await get(kernel, '/readyz')).json() as { reasons: string[] }).reasons).toEqual(['fake-backend.reachable: backend unreachable: fake outage']);
    writeFakeBackend(backendFile, { ...readFakeBackend(backendFile), reachable: true });
    expect(await readyz()).toBe(200);
  });

  it('answers 503 on /readyz as soon as shutdown begins, while in-flight work drains', async () => {
    let release!: () => void;
    const draining = new Promise<void>((r) => (release = r));
    let shutdownStarted!: () => void;
    const started = new Promise<void>((r) => (shutdownStarted = r));
    const slow = definePlugin({
      id: 'slow',
      version: '1.0.0',
      configSchema: Type.Object({}, { additionalProperties: false }),
      register(api) {
        api.hooks.onShutdown.tap(async () => {
          shutdownStarted();
          await draining;
        });
      },
    });
    const { kernel } = await boot([{ plugin: slow }]);
    expect((await get(kernel, '/readyz')).status).toBe(200);
    const stopping = kernel.stop('test');
    await started;
    const during = await get(kernel, '/readyz');
    expect(during.status).toBe(503);
    expect(during.json()).toMatchObject({ state: 'stopping', reasons: ['runtime is stopping'] });
    expect((await get(kernel, '/livez')).status).toBe(200);
    release();
    await stopping;
  });

  it('caches one readiness evaluation for concurrent and close requests', async () => {
    let runs = 0;
    const counting = definePlugin({
      id: 'counting',
      version: '1.0.0',
      configSchema: Type.Object({}, { additionalProperties: false }),
      register(api) {
        api.health.check('probe', async () => {
          runs += 1;
          await new Promise((r) => setTimeout(r, 20));
          return { ok: true };
        });
      },
    });
    const t = await createTestKernel({
      plugins: [{ use: 'http', options: { port: 0 } }, { use: 'runtime-info' }, { use: 'health', options: { readinessCacheMs: 10_000 } }, { plugin: counting }],
    });
    cleanups.push(() => t.kernel.stop());
    await t.kernel.start();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => get(t.kernel, '/readyz')));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    await get(t.kernel, '/readyz');
    expect(runs).toBe(1);
  });
});

describe('health plugin: /health', () => {
  const SECRET = 'gw-secret-token-5f2c9a';
  const leaky = definePlugin({
    id: 'leaky',
    version: '2.0.0',
    configSchema: Type.Object({ apiKey: Type.String({ secret: true }) }, { additionalProperties: false }),
    register(api, options) {
      // A careless status contribution: the secret appears in a message, under a key, and as a raw body.
      api.health.status(() => ({
        lastError: `401 from upstream with key ${options.apiKey}`,
        apiKey: 'not-registered-but-named-like-a-secret',
        body: 'x'.repeat(5000),
      }));
      api.health.check('optional', () => ({ ok: false, detail: `bad key ${options.apiKey}` }), { critical: false });
      api.hooks.onStart.tap(async () => {
        const base = { notificationId: 'n1', notificationType: 'mention', posted: false, attempt: 1, durationMs: 1500, toolCalls: 0 };
        await api.hooks.onDelivered.call({ ...base, outcome: 'delivered', posted: true });
        await api.hooks.onDelivered.call({ ...base, outcome: 'retry', reason: 'gateway unreachable' });
      });
    },
  });

  it('reports plugins, checks, dependencies, delivery counters and versions, and never a secret', async () => {
    const gw = await startScriptedGateway({ token: SECRET });
    cleanups.push(() => gw.close());
    const { kernel } = await boot(
      [
        { use: 'gateway-openclaw', options: { url: gw.url, probeIntervalMs: 100 } },
        { plugin: leaky, options: { apiKey: 'leaky-api-key-77' } },
      ],
      { OPENCLAW_GATEWAY_TOKEN: SECRET, OPENCLAW_VERSION: '2026.9.6', DROPLET_IP: '203.0.113.7' },
    );
    await eventually(async () => (await get(kernel, '/readyz')).status === 200);
    const res = await get(kernel, '/health');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain('leaky-api-key-77');
    expect(res.text).not.toContain('not-registered-but-named-like-a-secret');
    expect(res.text).not.toContain('x'.repeat(600));
    // The droplet IP goes to the backend only.
    expect(res.text).not.toContain('203.0.113.7');
    const body = res.json() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body).toMatchObject({
      status: 'degraded', // a non-critical check fails
      ready: true,
      state: 'running',
      versions: { runtimeService: '3.4.5', openclaw: '2026.9.6' },
      dependencies: {
        gateway: { configured: true, provider: 'gateway-openclaw', reachable: 'up' },
        backend: { configured: false },
      },
      delivery: {
        counters: { delivered: 1, skipped: 0, retry: 1, dead_lettered: 0 },
        consecutiveFailures: 1,
        lastError: { outcome: 'retry', notificationType: 'mention', reason: 'gateway unreachable' },
      },
    });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.plugins.map((p: { id: string; state: string }) => `${p.id}:${p.state}`)).toEqual(
      expect.arrayContaining(['http:started', 'health:started', 'gateway-openclaw:started', 'leaky:started']),
    );
    const leakyReport = body.plugins.find((p: { id: string }) => p.id === 'leaky');
    expect(leakyReport.status.lastError).toBe('401 from upstream with key [Redacted]');
    expect(leakyReport.status.apiKey).toBe('[Redacted]');
    expect(body.checks).toEqual(expect.arrayContaining([{ name: 'leaky.optional', ok: false, critical: false, detail: 'bad key [Redacted]' }]));
    expect(body.plugins.find((p: { id: string }) => p.id === 'gateway-openclaw').status).toMatchObject({ tokenConfigured: true, reachable: 'up' });
  });

  it('answers 200 with status down and the reasons when not ready, like the original (503 is /readyz’s business)', async () => {
    const sw = switchPlugin(false);
    const { kernel } = await boot([{ plugin: sw.plugin }]);
    const res = await get(kernel, '/health');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'down', ready: false, reasons: ['switch.dependency: dependency down'] });
    expect((await get(kernel, '/readyz')).status).toBe(503);
    // Fields scripts written for the original read.
    expect(res.json()).toMatchObject({ uptime: expect.any(Number), versions: { runtimeService: '3.4.5' }, timestamp: expect.any(String) });
  });

  it('the first /health after start already carries the gateway’s real reachability', async () => {
    // The first probe takes a while: /health waits for it (bounded) instead of answering "not probed yet".
    const slow = await slowModelsGateway(300);
    cleanups.push(() => slow.close());
    const { kernel } = await boot([{ use: 'gateway-openclaw', options: { url: slow.url, probeIntervalMs: 60_000 } }]);
    const res = await get(kernel, '/health');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', ready: true, dependencies: { gateway: { configured: true, reachable: 'up' } } });
  });

  it('a dependency whose first probe has not completed shows unknown (degraded, not down); /readyz stays 503 until it is known', async () => {
    const slow = await slowModelsGateway(1500);
    cleanups.push(() => slow.close());
    const t = await createTestKernel({
      plugins: [
        { use: 'http', options: { port: 0 } },
        { use: 'runtime-info' },
        { use: 'health', options: { readinessCacheMs: 0, firstProbeWaitMs: 50 } },
        { use: 'gateway-openclaw', options: { url: slow.url, probeIntervalMs: 60_000 } },
      ],
    });
    cleanups.push(() => t.kernel.stop('test end'));
    await t.kernel.start();
    const res = await get(t.kernel, '/health');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'degraded',
      ready: false,
      reasons: ['gateway-openclaw.reachable: gateway not probed yet'],
      dependencies: { gateway: { configured: true, reachable: 'unknown' } },
    });
    expect((await get(t.kernel, '/readyz')).status).toBe(503);
    await eventually(async () => (await get(t.kernel, '/readyz')).status === 200);
    expect((await get(t.kernel, '/health')).json()).toMatchObject({ status: 'ok', dependencies: { gateway: { reachable: 'up' } } });
  });

  it('a gateway known to be down makes /health say down (still 200)', async () => {
    const gw = await startScriptedGateway();
    const url = gw.url;
    await gw.close();
    const { kernel } = await boot([{ use: 'gateway-openclaw', options: { url, probeIntervalMs: 60_000, downRetryMinMs: 50 } }]);
    const res = await get(kernel, '/health');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'down', dependencies: { gateway: { reachable: 'down' } } });
  });
});
