/** The plugin inside a real kernel: seeding, account choice, the backend service, readiness. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendService } from '../../core/services.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { createAccount } from './admin.ts';
import { openDatabase } from './db.ts';
import plugin, { DEFAULT_DB_FILE } from './index.ts';

let dir: string;
let t: TestKernel | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mc-plugin-'));
});
afterEach(async () => {
  await t?.kernel.stop();
  t = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function boot(options: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<TestKernel> {
  t = await createTestKernel({ plugins: [{ use: 'backend-local', options }], runtime: { dataDir: dir }, env });
  await t.kernel.start();
  return t;
}

describe('backend-local plugin', () => {
  it('declares itself as the backend provider', () => {
    expect(plugin).toMatchObject({ id: 'backend-local', provides: ['backend'] });
  });

  it('seeds the demo account on first start under dataDir, serves it, and keeps it across restarts', async () => {
    const { kernel, logs } = await boot();
    const port = kernel.services.get(BackendService)!;
    const agents = await port.listAgents();
    expect(agents.map((a) => a.slug)).toEqual(['orion', 'engineer', 'qa']);
    expect(logs.find((l) => String(l.msg).includes('seeded demo account'))).toBeDefined();
    const readiness = await kernel.readiness();
    expect(readiness.ready).toBe(true);
    expect(readiness.checks).toEqual([expect.objectContaining({ name: 'backend-local.reachable', ok: true })]);
    expect(kernel.health.statuses()['backend-local']).toMatchObject({ path: join(dir, DEFAULT_DB_FILE), schemaVersion: 1 });
    // The token never reaches the log stream.
    const db = openDatabase(join(dir, DEFAULT_DB_FILE));
    const token = db.get<{ token: string }>('SELECT token FROM local_service_tokens')!.token;
    db.close();
    expect(logs.text()).not.toContain(token);
    await kernel.stop();

    const again = await boot();
    const orchestrator = await again.kernel.services.get(BackendService)!.getOrchestratorAgentId();
    expect(orchestrator.orchestratorAgentId).toBe(agents[0]._id);
    expect(again.logs.find((l) => String(l.msg).includes('seeded'))).toBeUndefined();
  });

  it('serves ACCOUNT_ID when set, and refuses an unknown or ambiguous account', async () => {
    const path = join(dir, 'explicit.sqlite');
    const db = openDatabase(path);
    const a = createAccount(db, { name: 'A', slug: 'a' });
    createAccount(db, { name: 'B', slug: 'b' });
    db.close();
    await expect(boot({ path })).rejects.toThrow(/holds 2 accounts.*set ACCOUNT_ID or option accountId/);
    await t!.kernel.stop();
    const chosen = await boot({ path }, { ACCOUNT_ID: a.accountId });
    expect(await chosen.kernel.services.get(BackendService)!.listAgents()).toEqual([]);
    await chosen.kernel.stop();
    await expect(boot({ path, accountId: 'acctnope' })).rejects.toThrow(/account "acctnope"/);
  });

  it('does not seed when told not to', async () => {
    await expect(boot({ seed: false })).rejects.toThrow(/no account and option seed is false/);
  });
});
