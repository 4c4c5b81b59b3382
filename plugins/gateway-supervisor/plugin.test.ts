/**
 * Both gateway plugins in a real kernel: the supervisor starts the (fake)
 * gateway, readiness flips once it answers the HTTP probe, and shutdown stops it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import path from 'node:path';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';

const FAKE = path.resolve(import.meta.dirname, '../../tests/support/fake-openclaw-gateway.ts');
const TOKEN = 'sup-kernel-token-42';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

let t: TestKernel | undefined;
afterEach(async () => {
  await t?.kernel.stop();
  t = undefined;
});

describe('gateway-supervisor plugin', () => {
  it('starts the gateway child, becomes ready through the gateway probe, and stops it on shutdown', async () => {
    const port = await freePort();
    t = await createTestKernel({
      env: { OPENCLAW_GATEWAY_URL: `http://127.0.0.1:${port}`, OPENCLAW_GATEWAY_TOKEN: TOKEN },
      plugins: [
        { use: 'gateway-openclaw', options: { probeIntervalMs: 200, probeTimeoutMs: 200, downRetryMinMs: 50 } },
        {
          use: 'gateway-supervisor',
          options: {
            command: process.execPath,
            args: [FAKE, 'gateway', 'run', '--port', String(port), '--startup-delay-ms', '200'],
            env: { FAKE_GATEWAY_GREETING: 'from-config' },
            readyPollMs: 50,
            stopGraceMs: 2000,
          },
        },
      ],
    });
    const { kernel, logs } = t;
    await kernel.start();
    expect(kernel.state).toBe('running');
    await waitFor(async () => (await kernel.readiness()).ready);
    const checks = (await kernel.readiness()).checks.map((c) => [c.name, c.ok]);
    expect(checks).toEqual(expect.arrayContaining([['gateway-openclaw.reachable', true], ['gateway-supervisor.process', true]]));
    const greeting = logs.find((l) => typeof l.msg === 'string' && l.msg.includes('greeting=from-config'));
    expect(greeting).toMatchObject({ plugin: 'gateway-supervisor', component: 'openclaw-gateway', stream: 'stdout' });
    const pid = greeting!.pid as number;

    await kernel.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(logs.find((l) => l.msg === 'gateway process stopped')).toBeDefined();
    expect(logs.text()).not.toContain(TOKEN);
  });
});
