/**
 * The plugin inside a real kernel: env bindings, the `gateway` service, the
 * critical readiness check, transition logging and metrics; the runtime stays
 * up without a gateway and recovers when it appears.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayService } from '../../core/services.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { startScriptedGateway, type ScriptedGateway } from '../../tests/support/scripted-gateway.ts';

const TOKEN = 'kernel-gw-token-xyz';
let gw: ScriptedGateway | undefined;
let t: TestKernel | undefined;
afterEach(async () => {
  await t?.kernel.stop();
  await gw?.close();
  t = gw = undefined;
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function bootWith(env: Record<string, string>) {
  t = await createTestKernel({
    plugins: [{ use: 'gateway-openclaw', options: { probeIntervalMs: 200, probeTimeoutMs: 200, downRetryMinMs: 50 } }],
    env,
  });
  await t.kernel.start();
  return t;
}

describe('gateway-openclaw plugin', () => {
  it('starts without a gateway, reports it unreachable, and recovers when it appears', async () => {
    gw = await startScriptedGateway({ agents: ['alpha'], token: TOKEN });
    await gw.stop();
    const { kernel, logs } = await bootWith({ OPENCLAW_GATEWAY_URL: gw.url, OPENCLAW_GATEWAY_TOKEN: TOKEN });
    expect(kernel.state).toBe('running');
    await waitFor(async () => (await kernel.readiness()).reasons.some((r) => r.startsWith('gateway-openclaw.reachable: gateway unreachable')));
    const port = kernel.services.get(GatewayService)!;
    expect(port.status().reachable).toBe('down');

    await gw.start();
    await waitFor(async () => (await kernel.readiness()).ready);
    expect(port.status().reachable).toBe('up');
    const stateLines = logs.lines().filter((l) => l.plugin === 'gateway-openclaw' && (l.level as number) >= 30).map((l) => l.msg);
    expect(stateLines).toEqual(['gateway unreachable; will keep probing', 'gateway reachable again']);

    gw.script('alpha', [{ text: 'hello from alpha' }]);
    const result = await port.runAgentTurn({ agentSlug: 'alpha', sessionKey: 'system:agent:alpha:acc:v1', input: 'hi' });
    expect(result.text).toBe('hello from alpha');
    const metrics = await kernel.metricsRegistry.metrics();
    expect(metrics).toContain('runtime_gateway_requests_total{outcome="ok"} 1');
    expect(metrics).toContain('runtime_gateway_up 1');
    expect(logs.text()).not.toContain(TOKEN);
  });

  it('sends no Authorization header when no token is configured', async () => {
    gw = await startScriptedGateway({ agents: ['alpha'] });
    const { kernel } = await bootWith({ OPENCLAW_GATEWAY_URL: gw.url });
    await waitFor(() => kernel.services.get(GatewayService)!.status().reachable === 'up');
    await kernel.services.get(GatewayService)!.runAgentTurn({ agentSlug: 'alpha', sessionKey: 'system:agent:alpha:acc:v1', input: 'hi' });
    expect(gw.requests.length).toBeGreaterThan(1);
    for (const r of gw.requests) expect(r.headers.authorization).toBeUndefined();
  });

  it('refuses a non-http url from the environment and from the config file', async () => {
    const fromEnv = await createTestKernel({ plugins: [{ use: 'gateway-openclaw' }], env: { OPENCLAW_GATEWAY_URL: 'ftp://127.0.0.1:1' } }).catch((e: Error) => e);
    expect(fromEnv).toBeInstanceOf(Error);
    expect((fromEnv as Error).message).toContain('OPENCLAW_GATEWAY_URL');
    t = await createTestKernel({ plugins: [{ use: 'gateway-openclaw', options: { url: 'ftp://127.0.0.1:1' } }] });
    await expect(t.kernel.start()).rejects.toThrow(/must be http\(s\)/);
  });
});
