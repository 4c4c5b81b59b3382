import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { startScriptedGateway } from '../../tests/support/scripted-gateway.ts';
import { createOpenClawGateway } from './gateway.ts';

function memoryLogger() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj: obj as Record<string, unknown> });
  return { lines, info: at('info'), warn: at('warn'), debug: at('debug') };
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(token = 'probe-token') {
  const gw = await startScriptedGateway({ agents: ['alpha'], token });
  const logger = memoryLogger();
  const gateway = createOpenClawGateway({
    url: gw.url,
    token,
    requestTimeoutMs: 2000,
    maxToolRounds: 4,
    probeIntervalMs: 200,
    probeTimeoutMs: 200,
    downRetryMinMs: 20,
    clock: systemClock,
    logger,
  });
  cleanups.push(() => gw.close(), () => gateway.stop());
  return { gw, gateway, logger };
}

const transitions = (logger: ReturnType<typeof memoryLogger>) => logger.lines.filter((l) => l.level !== 'debug').map((l) => l.msg);

describe('gateway readiness prober', () => {
  it('starts with the gateway down, reports it once, and flips to up when it appears', async () => {
    const { gw, gateway, logger } = await setup();
    await gw.stop();
    expect(gateway.status().reachable).toBe('unknown');
    gateway.start();
    await waitFor(() => gateway.status().reachable === 'down');
    expect(gateway.status().lastError).toMatch(/unreachable: ECONNREFUSED/);
    // Several failed probes happen while down (backoff starts at 20 ms) …
    await waitFor(() => logger.lines.filter((l) => l.msg === 'gateway probe failed').length >= 3);
    await gw.start();
    await waitFor(() => gateway.status().reachable === 'up');
    // … but only the transitions are logged above debug.
    expect(transitions(logger)).toEqual(['gateway unreachable; will keep probing', 'gateway reachable again']);
    const probes = gw.requests.filter((r) => r.path === '/v1/models');
    expect(probes.at(-1)!.headers.authorization).toBe('Bearer probe-token');
    expect(gateway.status().lastSuccessAt).toBeTypeOf('number');
  });

  it('goes down when the gateway stops and recovers on restart', async () => {
    const { gw, gateway, logger } = await setup();
    gateway.start();
    await waitFor(() => gateway.status().reachable === 'up');
    await gw.stop();
    await waitFor(() => gateway.status().reachable === 'down');
    await gw.start();
    await waitFor(() => gateway.status().reachable === 'up');
    expect(transitions(logger)).toEqual(['gateway reachable', 'gateway unreachable; will keep probing', 'gateway reachable again']);
  });

  it('counts a refused token as down (an HTTP probe, not a TCP connect)', async () => {
    const { gw, gateway } = await setup();
    gw.setToken('another-token');
    const status = await gateway.probe();
    expect(status.reachable).toBe('down');
    expect(status.lastError).toMatch(/refused the token \(HTTP 401\)/);
    expect(status.lastError).not.toContain('probe-token');
  });

  it('marks the gateway down at once when a turn finds it unreachable', async () => {
    const { gw, gateway } = await setup();
    expect((await gateway.probe()).reachable).toBe('up');
    await gw.stop();
    await expect(gateway.runAgentTurn({ agentSlug: 'alpha', sessionKey: 'system:agent:alpha:a:v1', input: 'hi' })).rejects.toMatchObject({ kind: 'unreachable' });
    expect(gateway.status().reachable).toBe('down');
  });

  it('stop() cancels turns in flight', async () => {
    const { gw, gateway } = await setup();
    gw.script('alpha', [{ hang: true }]);
    const turn = gateway.runAgentTurn({ agentSlug: 'alpha', sessionKey: 'system:agent:alpha:a:v1', input: 'hi', timeoutMs: 10_000 });
    await waitFor(() => gw.responsesRequests().length === 1);
    await gateway.stop();
    await expect(turn).rejects.toMatchObject({ kind: 'aborted' });
  });
});
