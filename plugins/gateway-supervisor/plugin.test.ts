/**
 * Both gateway plugins in a real kernel: the supervisor starts the (fake)
 * gateway, readiness flips once it answers the HTTP probe, and shutdown stops it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { freePort } from '../../tests/support/free-port.ts';

const FAKE = path.resolve(import.meta.dirname, '../../tests/support/fake-openclaw-gateway.ts');
const TOKEN = 'sup-kernel-token-42';


async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The environment the OS holds for a running process (Linux /proc): what `printenv` in the child would show. */
function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
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
    // The gateway probe and the supervisor's own ready poll see the child come up independently.
    await waitFor(async () => {
      const r = await kernel.readiness();
      return r.ready && r.checks.some((c) => c.name === 'gateway-supervisor.process' && c.ok);
    });
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

describe('gateway-supervisor child environment', () => {
  const RUNTIME_SECRETS = {
    SERVICE_TOKEN: 'mc_service_acct1_very-secret-service-token',
    CONVEX_URL: 'https://example-123.convex.cloud',
    ACCOUNT_ID: 'acct1',
    DATABASE_PASSWORD: 'an-unrelated-runtime-secret',
    AWS_SECRET_ACCESS_KEY: 'not-for-the-gateway',
  };

  it.runIf(process.platform === 'linux')('gives the child only its allow-list: its token, provider keys and basics, never a runtime secret', async () => {
    const port = await freePort();
    t = await createTestKernel({
      env: {
        ...RUNTIME_SECRETS,
        PATH: process.env.PATH,
        HOME: '/home/someone',
        LANG: 'C.UTF-8',
        OPENCLAW_GATEWAY_URL: `http://127.0.0.1:${port}`,
        OPENCLAW_GATEWAY_TOKEN: TOKEN,
        OPENCLAW_STATE_DIR: '/var/lib/openclaw',
        ANTHROPIC_API_KEY: 'sk-ant-provider-key',
        CUSTOM_PROVIDER_KEY: 'passed-by-config',
      },
      plugins: [
        { use: 'gateway-openclaw', options: { probeIntervalMs: 200, probeTimeoutMs: 200, downRetryMinMs: 50 } },
        {
          use: 'gateway-supervisor',
          options: {
            command: process.execPath,
            args: [FAKE, 'gateway', 'run', '--port', String(port)],
            env: { FAKE_GATEWAY_GREETING: 'from-config' },
            passEnv: ['CUSTOM_PROVIDER_*'],
            readyPollMs: 50,
          },
        },
      ],
    });
    await t.kernel.start();
    await waitFor(async () => (await t!.kernel.readiness()).ready);
    const started = t.logs.find((l) => l.msg === 'gateway process started');
    const env = environOf(started!.pid as number);

    for (const name of Object.keys(RUNTIME_SECRETS)) expect(env, name).not.toHaveProperty(name);
    const values = Object.values(env).join('\n');
    for (const value of Object.values(RUNTIME_SECRETS)) expect(values).not.toContain(value);
    expect(env).toMatchObject({
      OPENCLAW_GATEWAY_TOKEN: TOKEN,
      OPENCLAW_STATE_DIR: '/var/lib/openclaw',
      ANTHROPIC_API_KEY: 'sk-ant-provider-key',
      CUSTOM_PROVIDER_KEY: 'passed-by-config',
      FAKE_GATEWAY_GREETING: 'from-config',
      PATH: process.env.PATH,
      HOME: '/home/someone',
      LANG: 'C.UTF-8',
    });
    // /health lists the names the gateway gets, never a value.
    const health = JSON.stringify(t.kernel.health.statuses()['gateway-supervisor']);
    expect(health).toContain('"ANTHROPIC_API_KEY"');
    expect(health).not.toContain('sk-ant-provider-key');
    expect(health).not.toContain('SERVICE_TOKEN');
  });

  it('refuses a config that would pass a runtime secret, naming the option', async () => {
    for (const options of [{ passEnv: ['SERVICE_*'] }, { passEnv: ['*'] }, { env: { SERVICE_TOKEN: 'x' } }]) {
      const attempt = createTestKernel({
        env: { OPENCLAW_GATEWAY_URL: 'http://127.0.0.1:9' },
        plugins: [{ use: 'gateway-openclaw' }, { use: 'gateway-supervisor', options: { command: 'openclaw', ...options } }],
      }).then((k) => k.kernel.start());
      await expect(attempt).rejects.toThrow(/gateway-supervisor.*(passEnv\/0|env\/SERVICE_TOKEN)/);
    }
  });
});
