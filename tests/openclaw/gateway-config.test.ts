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
      agents: { defaults: { model: { primary: 'local/m' } }, entries: { stray: { name: 'Stray', workspace: '/workspace/agents/stray' } } },
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

describe('gateway config from the environment', async () => {
  const { envOverlay, startableConfig, controlUiUrl, deepMerge } = await import('../../openclaw/env-config.ts');
  const { gatewayEnv, scrub, secretValues } = await import('../../openclaw/child-env.ts');

  it('configures Chromium for the browser tool when it is installed, headless and without its sandbox', () => {
    expect(envOverlay({}, () => false).browser).toBeUndefined();
    expect(envOverlay({}, (f) => f === '/usr/bin/chromium').browser).toEqual({
      enabled: true, headless: true, noSandbox: true, executablePath: '/usr/bin/chromium', extraArgs: ['--disable-dev-shm-usage'],
    });
    expect(envOverlay({ OPENCLAW_BROWSER: '0' }, () => true).browser).toBeUndefined();
  });

  it('sets the default model, and declares the Vercel AI Gateway provider for a vercel-ai-gateway model', () => {
    const overlay = envOverlay({ OPENCLAW_DEFAULT_MODEL: 'vercel-ai-gateway/anthropic/claude-sonnet-4.5' }, () => false) as {
      agents: { defaults: { model: { primary: string } } };
      models: { providers: Record<string, { apiKey: string; models: { id: string }[] }> };
    };
    expect(overlay.agents.defaults.model.primary).toBe('vercel-ai-gateway/anthropic/claude-sonnet-4.5');
    expect(overlay.models.providers['vercel-ai-gateway'].apiKey).toBe('${AI_GATEWAY_API_KEY}');
    expect(overlay.models.providers['vercel-ai-gateway'].models[0].id).toBe('anthropic/claude-sonnet-4.5');
    expect(envOverlay({ OPENCLAW_DEFAULT_MODEL: 'anthropic/claude-sonnet-4-5' }, () => false).models).toBeUndefined();
  });

  it('keeps the base config under the overlay and the roster over both', () => {
    const withEnv = deepMerge(base, envOverlay({ OPENCLAW_DEFAULT_MODEL: 'openai/gpt-5' }, () => false));
    const merged = mergeGatewayConfig(withEnv, { agents: { entries: { qa: { name: 'Q', workspace: '/workspace/agents/qa' } } } }) as {
      agents: { defaults: Record<string, unknown>; entries: Record<string, unknown> };
      gateway: { auth: unknown };
    };
    // The base's heartbeat setting (OpenClaw's own heartbeats off: the runtime drives them) stays under the overlay.
    expect(merged.agents.defaults).toEqual({ skipBootstrap: true, heartbeat: { every: '0m' }, model: { primary: 'openai/gpt-5' } });
    expect(Object.keys(merged.agents.entries)).toEqual(['qa']);
    expect(merged.gateway.auth).toEqual({ mode: 'token', token: '${OPENCLAW_GATEWAY_TOKEN}' });
  });

  it('leaves an empty roster out (OpenClaw refuses one) and keeps a real one', () => {
    expect(startableConfig(base)).not.toHaveProperty('agents');
    expect(startableConfig(base).gateway).toEqual(base.gateway);
    const withAgent = { ...base, agents: { entries: { qa: {} } } };
    expect(startableConfig(withAgent)).toBe(withAgent);
  });

  it('prints the Control UI URL without a token, whatever the operator put in it', () => {
    expect(controlUiUrl({ OPENCLAW_CONTROL_UI_URL: 'http://localhost:18789/?token=abc#token=def' })).toBe('http://localhost:18789/');
    expect(controlUiUrl({})).toBeUndefined();
  });

  it('never passes runtime-only variables, even when OPENCLAW_PASS_ENV names them', () => {
    const env = gatewayEnv({ PATH: '/bin', SERVICE_TOKEN: 's', CONVEX_URL: 'c', MY_TOOL_HOME: '/x', OPENCLAW_PASS_ENV: 'SERVICE_TOKEN, MY_TOOL_*, *' });
    expect(env).toEqual({ PATH: '/bin', MY_TOOL_HOME: '/x', OPENCLAW_PASS_ENV: 'SERVICE_TOKEN, MY_TOOL_*, *' });
  });

  it('scrubs every token and key value from the gateway output', () => {
    const secrets = secretValues({ OPENCLAW_GATEWAY_TOKEN: 'gateway-token-123', ANTHROPIC_API_KEY: 'sk-ant-987654321', PATH: '/usr/bin:/bin' });
    expect(scrub('url #token=gateway-token-123 key sk-ant-987654321 path /usr/bin:/bin', secrets)).toBe('url #token=*** key *** path /usr/bin:/bin');
  });
});
