/** The plugin inside a real kernel: env validation, the backend service, secrets, readiness. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendService } from '../../core/services.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { startConvexWireServer, type ConvexWireServer } from '../../tests/support/convex-wire-server.ts';
import { openLocalBackend, type LocalBackend } from '../backend-local/index.ts';
import { seedDemoAccount, type SeedResult } from '../backend-local/seed.ts';
import plugin from './index.ts';

let dir: string;
let backend: LocalBackend;
let seed: SeedResult;
let server: ConvexWireServer;
let t: TestKernel | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mc-convex-plugin-'));
  backend = openLocalBackend(join(dir, 'mc.sqlite'));
  seed = seedDemoAccount(backend.db);
  server = await startConvexWireServer({ service: backend.service, redactErrors: true, plainErrors: true });
});
afterEach(async () => {
  await t?.kernel.stop();
  t = undefined;
  await server.close();
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function boot(env: Record<string, string>, options: Record<string, unknown> = {}): Promise<TestKernel> {
  t = await createTestKernel({ plugins: [{ use: 'backend-convex', options }], runtime: { dataDir: dir }, env });
  await t.kernel.start();
  return t;
}

const envFor = (overrides: Record<string, string> = {}) => ({
  ACCOUNT_ID: seed.accountId,
  CONVEX_URL: server.url,
  SERVICE_TOKEN: seed.serviceToken,
  ...overrides,
});

describe('backend-convex plugin', () => {
  it('declares the backend service and the CONVEX_URL / SERVICE_TOKEN env bindings', () => {
    expect(plugin).toMatchObject({
      id: 'backend-convex',
      provides: ['backend'],
      env: { CONVEX_URL: { path: 'url' }, SERVICE_TOKEN: { path: 'serviceToken' } },
    });
  });

  it('refuses to start with missing or malformed settings, naming the variable', async () => {
    const { ACCOUNT_ID: _a, ...withoutAccount } = envFor();
    await expect(boot(withoutAccount)).rejects.toThrow('Missing required environment variables: ACCOUNT_ID');
    await t!.kernel.stop();
    const { SERVICE_TOKEN: _s, ...withoutToken } = envFor();
    await expect(boot(withoutToken)).rejects.toThrow('Missing required environment variables: SERVICE_TOKEN');
    await t!.kernel.stop();
    await expect(boot(envFor({ ACCOUNT_ID: 'acctother' }))).rejects.toThrow(/SERVICE_TOKEN account mismatch. Token is for \S+, but ACCOUNT_ID is acctother/);
    expect(t!.logs.text()).not.toContain(seed.serviceToken);
  });

  it('serves the port over HTTP, keeps the token out of logs, and reports reachability', async () => {
    const { kernel, logs } = await boot(envFor(), { requestTimeoutMs: 2000 });
    const port = kernel.services.get(BackendService)!;
    expect((await port.listAgents()).map((a) => a.slug)).toEqual(['orion', 'engineer', 'qa']);
    expect(server.requests.at(-1)).toMatchObject({ endpoint: '/api/action', path: 'service/actions:listAgents' });
    expect(await kernel.readiness()).toMatchObject({ ready: true });
    expect(kernel.health.statuses()['backend-convex']).toMatchObject({ url: server.url, accountId: seed.accountId, lastCall: { outcome: 'ok' } });
    expect(logs.text()).not.toContain(seed.serviceToken);
  });

  it('reports a refused token and an unreachable deployment as not ready', async () => {
    const wrong = seed.serviceToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const refused = await boot(envFor({ SERVICE_TOKEN: wrong }));
    expect((await refused.kernel.readiness()).reasons).toContain(
      'backend-convex.reachable: backend refused the service token (check ACCOUNT_ID and SERVICE_TOKEN)',
    );
    await refused.kernel.stop();

    const url = server.url;
    await server.close();
    const down = await boot(envFor({ CONVEX_URL: url }), { retries: 0, requestTimeoutMs: 500 });
    expect((await down.kernel.readiness()).reasons).toContain('backend-convex.reachable: convex unavailable');
    server = await startConvexWireServer({ service: backend.service });
  });
});
