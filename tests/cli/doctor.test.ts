/**
 * `mc-runtime doctor` before any runtime ever started, through the real CLI:
 * against the Convex wire server (embedded backend behind real HTTP) and the
 * scripted gateway, passing and failing, each failure with its fix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runCliRaw, NODE } from '../support/cli.ts';
import { startConvexWireServer, type ConvexWireServer } from '../support/convex-wire-server.ts';
import { startScriptedGateway, type ScriptedGateway } from '../support/scripted-gateway.ts';
import { openLocalBackend, type LocalBackend } from '../../plugins/backend-local/index.ts';
import { seedDemoAccount, type SeedResult } from '../../plugins/backend-local/seed.ts';

/** A loaded machine makes each CLI process slow: allow it time (never an assertion on duration). */
const runCli = (args: string[], options: Parameters<typeof runCliRaw>[1] = {}) => runCliRaw(args, { timeoutMs: 100_000, ...options });

let backend: LocalBackend;
let seed: SeedResult;
let convex: ConvexWireServer;
let gateway: ScriptedGateway;
let work: string;
const GATEWAY_TOKEN = 'gw-token-for-doctor-1234';

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mc-doctor-'));
  backend = openLocalBackend(path.join(work, 'backend.sqlite'));
  seed = seedDemoAccount(backend.db);
  convex = await startConvexWireServer({ service: backend.service, plainErrors: true });
  gateway = await startScriptedGateway({ token: GATEWAY_TOKEN, agents: ['orion'] });
});
afterAll(async () => {
  await convex?.close();
  await gateway?.close();
  backend?.close();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  const dataDir = mkdtempSync(path.join(work, 'data-'));
  return {
    ACCOUNT_ID: seed.accountId,
    CONVEX_URL: convex.url,
    SERVICE_TOKEN: seed.serviceToken,
    OPENCLAW_GATEWAY_URL: gateway.url,
    OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
    OPENCLAW_VERSION: '2026.9.6',
    RUNTIME_DATA_DIR: dataDir,
    ...extra,
  };
}

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const line = (stdout: string, pattern: RegExp) => stdout.split('\n').find((l) => pattern.test(l));

describe('mc-runtime doctor', () => {
  it('passes on a reachable backend that accepts the token and a reachable gateway, with one read-only backend call', async () => {
    const before = convex.requests.length;
    const result = await runCli(['doctor'], { env: env() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(line(result.stdout, /config valid/)).toMatch(/^ {2}ok .*backend backend-convex/);
    expect(line(result.stdout, /backend-convex: environment/)).toMatch(/^ {2}ok /);
    expect(line(result.stdout, /backend-convex: backend reachable/)).toMatch(/^ {2}ok /);
    expect(line(result.stdout, /backend-convex: service token accepted/)).toMatch(/^ {2}ok .*listAgents answered \(3 agents\)/);
    expect(line(result.stdout, /gateway-openclaw: gateway reachable/)).toMatch(/^ {2}ok /);
    expect(line(result.stdout, /gateway-openclaw: gateway token accepted/)).toMatch(/^ {2}ok /);
    expect(line(result.stdout, /gateway version/)).toMatch(/^ {2}ok .*2026\.9\.6/);
    expect(line(result.stdout, /data dir writable/)).toMatch(/^ {2}ok /);
    expect(line(result.stdout, /data dir not held/)).toMatch(/^ {2}ok /);
    expect(result.stdout).toMatch(/\d+ checks: \d+ passed.*, 0 failed/);
    expect(convex.requests.slice(before).map((r) => r.fn)).toEqual(['listAgents']);
    expect(result.stdout).not.toContain(seed.serviceToken.split('_').slice(3).join('_'));
  }, 240_000);

  it('fails with a fix for each problem: refused token, gateway token, held data dir; never prints secrets', async () => {
    const wrongSecret = `mc_service_${seed.accountId}_thisisnotthesecret000`;
    const e = env({ SERVICE_TOKEN: wrongSecret, OPENCLAW_GATEWAY_TOKEN: 'wrong-gateway-token' });
    // Another process holding a file in the data dir (as a second runtime's SQLite would).
    writeFileSync(path.join(e.RUNTIME_DATA_DIR, 'delivery.sqlite'), '');
    const holder: ChildProcess = spawn(NODE, ['-e', `require('fs').openSync(${JSON.stringify(path.join(e.RUNTIME_DATA_DIR, 'delivery.sqlite'))}, 'r'); console.log('open'); setInterval(() => {}, 1000)`]);
    await new Promise((resolve) => holder.stdout!.once('data', resolve));
    try {
      const result = await runCli(['doctor'], { env: e });
      expect(result.code).toBe(1);
      const out = result.stdout;
      expect(line(out, /backend-convex: backend reachable/)).toMatch(/^ {2}ok /);
      expect(line(out, /backend-convex: service token accepted/)).toMatch(/^ {2}FAIL .*listAgents was refused/);
      expect(out).toMatch(/service token accepted.*\n {8}fix: .*issue a new service token/);
      expect(line(out, /gateway token accepted/)).toMatch(/^ {2}FAIL .*401/);
      expect(out).toMatch(/gateway token accepted.*\n {8}fix: set OPENCLAW_GATEWAY_TOKEN/);
      expect(line(out, /data dir not held/)).toMatch(new RegExp(`^ {2}FAIL .*pid ${holder.pid} .*delivery\\.sqlite open`));
      expect(out).toMatch(/\n\d+ checks: .*, 3 failed\n$/);
      expect(out + result.stderr).not.toContain('thisisnotthesecret000');
      expect(out + result.stderr).not.toContain('wrong-gateway-token');
    } finally {
      holder.kill();
    }
  }, 240_000);

  it('reports an unreachable backend and gateway, and a data dir that cannot be created', async () => {
    const blocker = path.join(work, 'a-file');
    writeFileSync(blocker, '');
    const closed = await closedPort();
    const down = `http://127.0.0.1:${closed}`;
    const result = await runCli(['doctor'], { env: env({ CONVEX_URL: down, OPENCLAW_GATEWAY_URL: down, RUNTIME_DATA_DIR: path.join(blocker, 'data') }) });
    expect(result.code).toBe(1);
    expect(line(result.stdout, /backend reachable/)).toMatch(new RegExp(`^ {2}FAIL .*127\\.0\\.0\\.1:${closed}: unavailable`));
    expect(result.stdout).toMatch(/backend reachable.*\n {8}fix: check CONVEX_URL/);
    expect(line(result.stdout, /gateway reachable/)).toMatch(/^ {2}FAIL .*ECONNREFUSED/);
    expect(line(result.stdout, /data dir writable/)).toMatch(/^ {2}FAIL .*a-file is not a directory/);
  }, 240_000);

  it('works with a broken environment: token shape, then a config that does not validate', async () => {
    const shape = await runCli(['doctor'], { env: env({ SERVICE_TOKEN: 'mc_service_otheraccount_secretvalue123' }) });
    expect(shape.code).toBe(1);
    expect(line(shape.stdout, /backend-convex: settings and token shape/)).toMatch(/^ {2}FAIL .*SERVICE_TOKEN account mismatch/);
    expect(shape.stdout).toMatch(/token shape.*\n {8}fix: .*mc_service_\{ACCOUNT_ID\}_\{secret\}/);
    expect(shape.stdout).not.toContain('secretvalue123');

    const dir = mkdtempSync(path.join(work, 'cfg-'));
    mkdirSync(path.join(dir, 'x'));
    const config = path.join(dir, 'runtime.json');
    writeFileSync(config, JSON.stringify({ plugins: ['http', 'gateway-openclaw'] }));
    const bad = await runCli(['doctor', '--config', config], { env: env({ OPENCLAW_REQUEST_TIMEOUT_MS: 'soon' }) });
    expect(bad.code).toBe(1);
    expect(line(bad.stdout, /env:OPENCLAW_REQUEST_TIMEOUT_MS/)).toMatch(/^ {2}FAIL {2}config — env:OPENCLAW_REQUEST_TIMEOUT_MS \(gateway-openclaw\): /);
    expect(bad.stdout).toMatch(/OPENCLAW_REQUEST_TIMEOUT_MS.*\n {8}fix: set OPENCLAW_REQUEST_TIMEOUT_MS to a valid value/);
    expect(line(bad.stdout, /plugin checks/)).toMatch(/^ {2}FAIL .*skipped: the config does not validate/);
    // The data dir is still checked.
    expect(line(bad.stdout, /data dir writable/)).toMatch(/^ {2}ok /);
  }, 240_000);
});
