/**
 * `mc-runtime start` (a real child process) with no gateway running: it stays
 * up, logs the gateway unreachable once, and logs the recovery once the
 * gateway appears; the token never reaches the output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../../tests/support/cli.ts';
import { startScriptedGateway, type ScriptedGateway } from '../../tests/support/scripted-gateway.ts';

const TOKEN = 'cli-gateway-token-777';
let gw: ScriptedGateway | undefined;
let run: ReturnType<typeof startCli> | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGKILL');
    await run.exited;
  }
  await gw?.close();
  gw = run = undefined;
});

describe('mc-runtime start without a gateway', () => {
  it('stays up, reports the gateway unreachable, and recovers when it appears', async () => {
    gw = await startScriptedGateway({ agents: ['alpha'], token: TOKEN });
    await gw.stop();
    const dir = mkdtempSync(path.join(tmpdir(), 'mc-gw-cli-'));
    const file = path.join(dir, 'runtime.json');
    writeFileSync(file, JSON.stringify({ plugins: [{ use: 'gateway-openclaw', options: { probeIntervalMs: 200, downRetryMinMs: 50 } }] }));
    run = startCli(['--config', file], { env: { OPENCLAW_GATEWAY_URL: gw.url, OPENCLAW_GATEWAY_TOKEN: TOKEN } });
    await run.waitFor(/"msg":"runtime started"/);
    await run.waitFor(/"msg":"gateway unreachable; will keep probing"/);
    expect(run.child.exitCode).toBeNull();

    await gw.start();
    await run.waitFor(/"msg":"gateway reachable again"/);
    expect(run.output().match(/gateway unreachable; will keep probing/g)).toHaveLength(1);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toContain(TOKEN);
    expect(gw.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});
