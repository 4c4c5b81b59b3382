import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedResult } from '../backend-local/seed.ts';
import { createAgent, createSkill, updateAgentConfig } from '../backend-local/admin.ts';
import { seededDb } from '../../tests/support/seeded-db.ts';
import type { Ctx } from '../backend-local/model.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { AgentSyncRef } from '../agent-sync/service.ts';
import { ProfileSyncRef } from './service.ts';
import { DEFAULT_AGENTS_MD } from './default-agents-md.ts';

let dir: string;
let t: TestKernel | undefined;

afterEach(async () => {
  await t?.kernel.stop('test done');
  t = undefined;
  rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  dbPath: string;
  seed: SeedResult;
  root: string;
  write: <T>(fn: (ctx: Ctx) => T) => T;
}

function setup(): Setup {
  const db = seededDb('mc-profile-sync-');
  dir = db.dir;
  return { dbPath: db.dbPath, seed: db.seed, root: path.join(dir, 'ws', 'agents'), write: db.write };
}

async function boot(s: Setup, options: Record<string, unknown>, env: Record<string, string> = {}): Promise<TestKernel> {
  t = await createTestKernel({
    runtime: { dataDir: dir },
    env,
    plugins: [
      { use: 'backend-local', options: { path: s.dbPath } },
      { use: 'agent-sync' },
      { use: 'profile-sync', options: { workspaceRoot: s.root, ...options } },
    ],
  });
  await t.kernel.start();
  // Let agent-sync's start-up run (and the profile sync its hook triggers) finish, so later syncs are the test's own.
  const agentSync = t.kernel.services.get(AgentSyncRef)!;
  while ((await agentSync.syncNow()) === 'skipped') await new Promise((r) => setTimeout(r, 10));
  return t;
}

const status = () => t!.kernel.health.statuses()['profile-sync'] as Record<string, unknown>;
const sync = () => t!.kernel.services.get(ProfileSyncRef)!.syncNow();
const mtimes = (root: string) => {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p)] = statSync(p).mtimeMs;
    }
  };
  walk(root);
  return out;
};

describe('profile-sync', () => {
  it('writes workspaces and openclaw.json, then only what changed', async () => {
    const s = setup();
    const skill = s.write((ctx) => createSkill(ctx, { name: 'Code review', slug: 'code-review', description: 'How we review', contentMarkdown: '# Review\n\nRead the diff.' }));
    s.write((ctx) => updateAgentConfig(ctx, s.seed.agents.engineer, { model: 'claude-haiku-4.5', skillIds: [skill] }));
    const configPath = path.join(dir, 'ws', 'openclaw.json');
    mkdirSync(path.dirname(configPath), { recursive: true });
    writeFileSync(configPath, JSON.stringify({ gateway: { port: 18789 }, agents: { list: [{ id: 'stale' }] } }));
    mkdirSync(path.join(s.root, 'retired-agent'), { recursive: true });

    await boot(s, { enabled: true, gatewayWorkspaceRoot: '/workspace/agents' });
    await sync();

    for (const slug of ['orion', 'engineer', 'qa']) {
      const files = readdirSync(path.join(s.root, slug)).sort();
      expect(files, slug).toEqual(expect.arrayContaining(['AGENTS.md', 'IDENTITY.md', 'MEMORY.md', 'SOUL.md', 'USER.md', 'memory']));
      expect(files).not.toContain('TOOLS.md');
      expect(files).not.toContain('HEARTBEAT.md');
      expect(readFileSync(path.join(s.root, slug, 'AGENTS.md'), 'utf8')).toBe(DEFAULT_AGENTS_MD);
    }
    const skillMd = readFileSync(path.join(s.root, 'engineer', 'skills', 'code-review', 'SKILL.md'), 'utf8');
    expect(skillMd).toBe('---\nname: code-review\ndescription: "How we review"\n---\n# Review\n\nRead the diff.\n');
    expect(existsSync(path.join(s.root, 'orion', 'skills'))).toBe(false);

    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(config.gateway).toEqual({ port: 18789 });
    expect(config.agents.ownership).toBe('explicit');
    expect(config.agents.defaults).toEqual({ skipBootstrap: true });
    expect(config.agents.list).toBeUndefined();
    expect(config.agents.entries).toEqual({
      engineer: { name: expect.any(String), workspace: '/workspace/agents/engineer', model: 'anthropic/claude-haiku-4.5' },
      orion: { name: 'Orion', workspace: '/workspace/agents/orion' },
      qa: { name: expect.any(String), workspace: '/workspace/agents/qa' },
    });
    expect(config.skills).toEqual({ load: { extraDirs: ['/workspace/agents/engineer/skills'] }, entries: { 'code-review': { enabled: true } } });
    expect(status()).toMatchObject({ enabled: true, configPath, lastError: null });
    expect(readdirSync(s.root)).toContain('retired-agent');
    expect(t!.logs.find((l) => l.msg === 'workspace directories without an agent are left in place')).toMatchObject({ directories: ['retired-agent'] });
    // No temp files left behind by the atomic writes.
    expect(Object.keys(mtimes(path.join(dir, 'ws'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Nothing changed: nothing written, no mtime moves.
    writeFileSync(path.join(s.root, 'qa', 'MEMORY.md'), 'my own notes\n');
    const before = mtimes(path.join(dir, 'ws'));
    await sync();
    expect(status().filesWritten).toBe(0);
    expect(mtimes(path.join(dir, 'ws'))).toEqual(before);
    expect(readFileSync(path.join(s.root, 'qa', 'MEMORY.md'), 'utf8')).toBe('my own notes\n');

    // One soul changes: exactly that file is rewritten.
    s.write((ctx) => ctx.db.run('UPDATE agents SET soul_content = $c WHERE id = $id', { c: '# SOUL\n\nNew orion.', id: s.seed.agents.orion }));
    await sync();
    expect(status().filesWritten).toBe(1);
    expect(readFileSync(path.join(s.root, 'orion', 'SOUL.md'), 'utf8')).toBe('# SOUL\n\nNew orion.\n');
    const after = mtimes(path.join(dir, 'ws'));
    const moved = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(moved.every((f) => f === path.join('agents', 'orion', 'SOUL.md'))).toBe(true);
    const metric = await t!.kernel.metricsRegistry.getSingleMetricAsString('runtime_profile_sync_runs_total');
    expect(metric).toMatch(/outcome="unchanged"} [1-9]/);
    expect(metric).toMatch(/outcome="written"} [1-9]/);
  });

  it('follows onAgentsChanged: a new agent gets a workspace after the next agent sync', async () => {
    const s = setup();
    await boot(s, { enabled: true });
    await sync();
    s.write((ctx) => createAgent(ctx, { name: 'Writer', slug: 'writer', role: 'writer', openclawConfig: { model: 'kimi-k2.5' } }));
    expect(await t!.kernel.services.get(AgentSyncRef)!.syncNow()).toBe('changed');
    await sync(); // joins any sync the hook started
    expect(readFileSync(path.join(s.root, 'writer', 'SOUL.md'), 'utf8')).toContain('Writer');
    const config = JSON.parse(readFileSync(path.join(dir, 'ws', 'openclaw.json'), 'utf8'));
    expect(config.agents.entries.writer).toEqual({ name: 'Writer', workspace: path.join(s.root, 'writer'), model: 'moonshotai/kimi-k2.5' });
    expect(config.skills).toBeUndefined();
  });

  it('uses the configured AGENTS.md and config path', async () => {
    const s = setup();
    const manual = path.join(dir, 'manual.md');
    writeFileSync(manual, '# Our manual\n');
    const configPath = path.join(dir, 'elsewhere', 'oc.json');
    await boot(s, { agentsMdPath: manual }, { OPENCLAW_PROFILE_SYNC: 'true', OPENCLAW_CONFIG_PATH: configPath });
    await sync();
    expect(readFileSync(path.join(s.root, 'qa', 'AGENTS.md'), 'utf8')).toBe('# Our manual\n');
    expect(existsSync(configPath)).toBe(true);
  });

  it('refuses to overwrite an openclaw.json that is not plain JSON', async () => {
    const s = setup();
    const configPath = path.join(dir, 'ws', 'openclaw.json');
    mkdirSync(path.dirname(configPath), { recursive: true });
    writeFileSync(configPath, '{ // json5 comment\n gateway: {} }');
    await boot(s, { enabled: true });
    await sync();
    expect(status().lastError).toMatch(/not plain JSON/);
    expect(readFileSync(configPath, 'utf8')).toContain('json5 comment');
  });

  it('writes nothing when disabled (the default)', async () => {
    const s = setup();
    await boot(s, {});
    await sync();
    expect(existsSync(path.join(dir, 'ws'))).toBe(false);
    expect(status()).toMatchObject({ enabled: false, lastSyncAt: null });
    expect(t!.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('profile sync is off'))).toBeDefined();
  });
});
