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
