import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from '../../core/plugin.ts';
import Type from 'typebox';
import type { AgentsChangedEvent } from '../../core/hooks.ts';
import { openLocalBackend } from '../backend-local/index.ts';
import type { SeedResult } from '../backend-local/seed.ts';
import { createAgent, createSkill, updateAccountSettings, updateAgentConfig } from '../backend-local/admin.ts';
import { seededDb } from '../../tests/support/seeded-db.ts';
import type { Ctx } from '../backend-local/model.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { AgentSyncRef } from './service.ts';

let dir: string;
let t: TestKernel | undefined;

afterEach(async () => {
  await t?.kernel.stop('test done');
  t = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function seeded(): { dbPath: string; seed: SeedResult; write: <T>(fn: (ctx: Ctx) => T) => T } {
  const db = seededDb('mc-agent-sync-');
  dir = db.dir;
  return db;
}

/** Records every onAgentsChanged event. */
function recorder(events: AgentsChangedEvent[]) {
  return definePlugin({
    id: 'recorder',
    version: '0.0.0',
    dependsOn: ['agent-sync'],
    configSchema: Type.Object({}),
    register(api) {
      api.hooks.onAgentsChanged.tap((e) => {
        events.push(e);
      });
    },
  });
}

/** syncNow, retried while the start-up sync is still in flight (overlaps are skipped by design). */
async function syncAfterStartup(t: TestKernel): Promise<string> {
  const sync = t.kernel.services.get(AgentSyncRef)!;
  for (;;) {
    const outcome = await sync.syncNow();
    if (outcome !== 'skipped') return outcome;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function waitFor<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('agent-sync', () => {
  it('fires onAgentsChanged on the first sync and then only with real differences', async () => {
    const { dbPath, seed, write } = seeded();
    const events: AgentsChangedEvent[] = [];
    t = await createTestKernel({
      runtime: { dataDir: dir },
      plugins: [{ use: 'backend-local', options: { path: dbPath } }, { use: 'agent-sync' }, { plugin: recorder(events) }],
    });
    await t.kernel.start();

    const first = await waitFor(() => events[0]);
    expect(first.added.sort()).toEqual(Object.values(seed.agents).sort());
    expect(first.removed).toEqual([]);
    expect(first.agents.map((a) => a.slug).sort()).toEqual(['engineer', 'orion', 'qa']);

    const sync = t.kernel.services.get(AgentSyncRef)!;
    expect(await syncAfterStartup(t)).toBe('unchanged');
    expect(events).toHaveLength(1);

    const writer = write((ctx) => createAgent(ctx, { name: 'Writer', slug: 'writer', role: 'writer' }));
    expect(await sync.syncNow()).toBe('changed');
    expect(events[1]).toMatchObject({ added: [writer], removed: [], changed: [] });

    write((ctx) => updateAgentConfig(ctx, writer, { model: 'kimi-k2.5' }));
    write((ctx) => {
      ctx.db.run('DELETE FROM runtime_sessions WHERE agent_id = $id', { id: seed.agents.qa });
      ctx.db.run('DELETE FROM agents WHERE id = $id', { id: seed.agents.qa });
    });
    expect(await sync.syncNow()).toBe('changed');
    expect(events[2]).toMatchObject({ added: [], removed: [seed.agents.qa], changed: [writer] });
    expect(events[2]!.agents).toHaveLength(3);

    const status = t.kernel.health.statuses()['agent-sync']!;
    expect(status).toMatchObject({ agents: 3, lastError: null, intervalMs: 300_000 });
    const metric = await t.kernel.metricsRegistry.getSingleMetricAsString('runtime_agent_sync_runs_total');
    expect(metric).toMatch(/outcome="changed"} 3/);
    expect(metric).toMatch(/outcome="unchanged"} 1/);
  });

  it('profile edits (SOUL, IDENTITY, USER, skill content) count as changes, so they reach the gateway without a restart', async () => {
    const { dbPath, seed, write } = seeded();
    const events: AgentsChangedEvent[] = [];
    t = await createTestKernel({
      runtime: { dataDir: dir },
      plugins: [{ use: 'backend-local', options: { path: dbPath } }, { use: 'agent-sync' }, { plugin: recorder(events) }],
    });
    await t.kernel.start();
    await waitFor(() => events[0]);
    const skill = write((ctx) => createSkill(ctx, { name: 'Git', slug: 'git', contentMarkdown: '# Git' }));
    write((ctx) => updateAgentConfig(ctx, seed.agents.qa, { skillIds: [skill] }));
    expect(await syncAfterStartup(t)).toBe('changed');
    const sync = t.kernel.services.get(AgentSyncRef)!;
    const changedBy = async (edit: (ctx: Ctx) => void) => {
      write(edit);
      const before = events.length;
      expect(await sync.syncNow()).toBe('changed');
      expect(events).toHaveLength(before + 1);
      return [...events.at(-1)!.changed].sort();
    };
    const { orion, engineer, qa } = seed.agents;
    expect(await changedBy((ctx) => ctx.db.run('UPDATE agents SET soul_content = $c WHERE id = $id', { c: '# SOUL\nCareful.', id: engineer }))).toEqual([engineer]);
    expect(await changedBy((ctx) => ctx.db.run('UPDATE agents SET identity_content = $c WHERE id = $id', { c: '# IDENTITY\nAda.', id: engineer }))).toEqual([engineer]);
    expect(await changedBy((ctx) => updateAccountSettings(ctx, { userMd: '# USER\nDana.' }))).toEqual([orion, engineer, qa].sort());
    expect(await changedBy((ctx) => ctx.db.run('UPDATE skills SET content_markdown = $c WHERE id = $id', { c: '# Git\nRebase.', id: skill }))).toEqual([qa]);
    expect(await sync.syncNow()).toBe('unchanged');
  });

  it('counts a failing sync, keeps running and reports the error', async () => {
    const { dbPath } = seeded();
    const events: AgentsChangedEvent[] = [];
    t = await createTestKernel({
      runtime: { dataDir: dir },
      env: { AGENT_SYNC_INTERVAL: '10000' },
      plugins: [{ use: 'backend-local', options: { path: dbPath } }, { use: 'agent-sync' }, { plugin: recorder(events) }],
    });
    await t.kernel.start();
    await waitFor(() => events[0]);
    expect(await syncAfterStartup(t)).toBe('unchanged');
    const sync = t.kernel.services.get(AgentSyncRef)!;
    // Break the backend underneath: the table is gone, listAgents throws.
    const conn = openLocalBackend(dbPath);
    conn.db.run('ALTER TABLE agents RENAME TO agents_gone');
    conn.close();
    expect(await sync.syncNow()).toBe('error');
    expect(t.kernel.health.statuses()['agent-sync']).toMatchObject({ intervalMs: 10_000, lastError: expect.any(String) });
    expect(t.logs.find((l) => l.msg === 'agent sync failed; keeping the previous roster')).toBeDefined();
    expect(await t.kernel.metricsRegistry.getSingleMetricAsString('runtime_agent_sync_runs_total')).toMatch(/outcome="error"} 1/);
  });

  it('rejects an interval under 10 s', async () => {
    const { dbPath } = seeded();
    await expect(
      createTestKernel({ plugins: [{ use: 'backend-local', options: { path: dbPath } }, { use: 'agent-sync', options: { intervalMs: 500 } }] }),
    ).rejects.toThrow(/intervalMs/);
  });
});
