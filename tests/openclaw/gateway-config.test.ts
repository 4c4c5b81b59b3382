import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeGatewayConfig } from '../../openclaw/merge-config.ts';

const base = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'openclaw', 'openclaw.base.json'), 'utf8')) as Record<string, unknown>;

describe('gateway config merge', () => {
  it('takes the roster and skills from the runtime and nothing else', () => {
    const fragment = {
      agents: { ownership: 'explicit', defaults: { skipBootstrap: true }, entries: { engineer: { name: 'Ada', workspace: '/workspace/agents/engineer' } } },
      skills: { load: { extraDirs: ['/workspace/agents/engineer/skills'] }, entries: { 'git-helper': { enabled: true } } },
      gateway: { auth: { mode: 'none' } },
    };
    const merged = mergeGatewayConfig(base, fragment) as { gateway: { auth: unknown }; agents: { entries: unknown; ownership: string }; skills: { load: { extraDirs: string[] } } };
    expect(merged.gateway.auth).toEqual({ mode: 'token', token: '${OPENCLAW_GATEWAY_TOKEN}' });
    expect(merged.agents.ownership).toBe('explicit');
    expect(merged.agents.entries).toEqual({ engineer: { name: 'Ada', workspace: '/workspace/agents/engineer' } });
    expect(merged.skills.load.extraDirs).toEqual(['/workspace/agents/engineer/skills']);
  });

  it('layers the operator overlay over the base and under the runtime roster', () => {
    const operator = {
      models: { providers: { local: { baseUrl: 'http://127.0.0.1:9/v1', api: 'openai-completions', models: [] } } },
      gateway: { bind: 'loopback' },
      agents: { defaults: { model: { primary: 'local/m' } }, entries: { stray: { name: 'Stray', workspace: '/tmp/x' } } },
    };
    const fragment = { agents: { defaults: { skipBootstrap: true }, entries: { qa: { name: 'Quinn', workspace: '/workspace/agents/qa' } } } };
    const merged = mergeGatewayConfig(base, fragment, operator) as {
      gateway: { bind: string; auth: unknown; http: unknown };
      models: unknown;
      agents: { ownership: string; defaults: Record<string, unknown>; entries: Record<string, unknown> };
    };
    expect(merged.gateway.bind).toBe('loopback');
    expect(merged.gateway.auth).toEqual({ mode: 'token', token: '${OPENCLAW_GATEWAY_TOKEN}' });
    expect(merged.gateway.http).toEqual({ endpoints: { responses: { enabled: true } } });
    expect(merged.models).toEqual(operator.models);
    expect(merged.agents.ownership).toBe('explicit');
    expect(merged.agents.defaults).toEqual({ skipBootstrap: true, heartbeat: { every: '0m' }, model: { primary: 'local/m' } });
    // The roster is the runtime's alone.
    expect(Object.keys(merged.agents.entries)).toEqual(['qa']);
  });

  it('disables OpenClaw’s own heartbeats: the runtime drives them (and validation has no ownerless-heartbeat warning)', () => {
    expect((base.agents as { defaults: { heartbeat: unknown } }).defaults.heartbeat).toEqual({ every: '0m' });
  });

  it('keeps the base roster until the runtime has written one', () => {
    expect(mergeGatewayConfig(base, undefined)).toEqual(base);
  });

  it('the entrypoint writes the merged file atomically and only when it changes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mc-openclaw-'));
    process.env.MC_RUNTIME_FRAGMENT = path.join(dir, 'fragment.json');
    process.env.OPENCLAW_CONFIG_PATH = path.join(dir, 'openclaw.json');
    const { writeMergedConfig } = await import('../../openclaw/entrypoint.ts');
    expect(writeMergedConfig()).toBe(true);
    expect(writeMergedConfig()).toBe(false);
    // The fragment appears after start: picked up on the next merge.
    writeFileSync(process.env.MC_RUNTIME_FRAGMENT, JSON.stringify({ agents: { entries: { qa: { name: 'Quinn', workspace: '/workspace/agents/qa' } } } }));
    expect(writeMergedConfig()).toBe(true);
    const written = JSON.parse(readFileSync(process.env.OPENCLAW_CONFIG_PATH, 'utf8')) as { agents: { entries: Record<string, unknown> } };
    expect(Object.keys(written.agents.entries)).toEqual(['qa']);
  });
});
