/**
 * The gateway container's entrypoint run for real, outside Docker, with a
 * stand-in `openclaw` command (the real gateway needs ~1 GB and 10-60 s to
 * start). The stand-in records its arguments and pid, prints a line with the
 * gateway token in it, and runs until SIGTERM; what the gateway process holds
 * is read from /proc/<pid>/environ, the view `printenv` in the gateway has.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.ts';

const ENTRYPOINT = path.join(REPO_ROOT, 'openclaw', 'entrypoint.ts');
const TOKEN = 'gw-token-0123456789abcdef';

const STAND_IN = `#!/usr/bin/env node
const fs = require('node:fs');
process.on('SIGTERM', () => process.exit(0));
fs.appendFileSync(process.env.STAND_IN_RECORD, JSON.stringify({ pid: process.pid, argv: process.argv.slice(2) }) + '\\n');
if (process.argv[2] === 'sessions') process.exit(0);
if (process.env.STAND_IN_LEASE_FAILURES && fs.readFileSync(process.env.STAND_IN_RECORD, 'utf8').split('\\n').filter(Boolean).length <= Number(process.env.STAND_IN_LEASE_FAILURES)) {
  console.error('Gateway failed to start: state lease heartbeat did not become ready (phase=startup, trigger=timeout)');
  process.exit(1);
}
console.log('gateway listening; dashboard http://127.0.0.1:18789/#token=' + process.env.OPENCLAW_GATEWAY_TOKEN);
setInterval(() => {}, 1000);
`;

interface Run {
  dir: string;
  child: ChildProcess;
  out: () => string;
  records: () => { pid: number; argv: string[] }[];
  configPath: string;
  fragmentPath: string;
  exit: Promise<number | null>;
}

const runs: Run[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) {
    if (r.child.exitCode === null) {
      r.child.kill('SIGTERM');
      await r.exit;
    }
    rmSync(r.dir, { recursive: true, force: true });
  }
});

function start(extraEnv: Record<string, string>, setup?: (dir: string) => void): Run {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-entrypoint-'));
  mkdirSync(path.join(dir, 'bin'));
  const bin = path.join(dir, 'bin', 'openclaw');
  writeFileSync(bin, STAND_IN);
  chmodSync(bin, 0o755);
  mkdirSync(path.join(dir, 'state'));
  mkdirSync(path.join(dir, 'workspace'));
  setup?.(dir);
  const record = path.join(dir, 'record.jsonl');
  const env: Record<string, string> = {
    // The stand-in is `openclaw` on the PATH, where the image has the real one.
    PATH: `${path.dirname(bin)}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: dir,
    STAND_IN_RECORD: record,
    OPENCLAW_STATE_DIR: path.join(dir, 'state'),
    OPENCLAW_CONFIG_PATH: path.join(dir, 'state', 'openclaw.json'),
    MC_RUNTIME_FRAGMENT: path.join(dir, 'workspace', 'openclaw.json'),
    MC_FRAGMENT_POLL_MS: '50',
    OPENCLAW_GATEWAY_TOKEN: TOKEN,
    OPENCLAW_PASS_ENV: 'STAND_IN_*',
    ...extraEnv,
  };
  let out = '';
  const child = spawn(process.execPath, [ENTRYPOINT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const run: Run = {
    dir,
    child,
    out: () => out,
    // A line being appended may be read half-written: only whole lines count.
    records: () => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l)) : []),
    configPath: env.OPENCLAW_CONFIG_PATH,
    fragmentPath: env.MC_RUNTIME_FRAGMENT,
    exit,
  };
  runs.push(run);
  return run;
}

async function until(cond: () => boolean, what: string, timeoutMs = 40_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const gatewayRuns = (r: Run) => r.records().filter((x) => x.argv[0] === 'gateway');

function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

const fragment = (slugs: string[], root: string) => JSON.stringify({
  agents: {
    ownership: 'explicit',
    defaults: { skipBootstrap: true },
    entries: Object.fromEntries(slugs.map((s) => [s, { name: s, workspace: path.join(root, 'agents', s) }])),
  },
});

describe('gateway entrypoint (stand-in gateway)', () => {
  it('gives the gateway only its own secrets: no SERVICE_TOKEN, CONVEX_URL or ACCOUNT_ID in its environment', async () => {
    const r = start({
      SERVICE_TOKEN: 'svc-secret-abcdef123456',
      CONVEX_URL: 'https://example.convex.cloud',
      ACCOUNT_ID: 'acct-1',
      RANDOM_HOST_VARIABLE: 'x',
      ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
      VERCEL_AI_GATEWAY_API_KEY: 'vck-test-0123456789',
      GH_TOKEN: 'ghp_test0123456789',
    });
    await until(() => gatewayRuns(r).length === 1, 'the gateway to start');
    const env = environOf(gatewayRuns(r)[0].pid);
    expect(env.SERVICE_TOKEN).toBeUndefined();
    expect(env.CONVEX_URL).toBeUndefined();
    expect(env.ACCOUNT_ID).toBeUndefined();
    expect(env.RANDOM_HOST_VARIABLE).toBeUndefined();
    expect(env.OPENCLAW_GATEWAY_TOKEN).toBe(TOKEN);
    expect(env.ANTHROPIC_API_KEY).toBe('sk-ant-test-0123456789');
    expect(env.AI_GATEWAY_API_KEY).toBe('vck-test-0123456789');
    expect(env.GH_TOKEN).toBe('ghp_test0123456789');
    expect(gatewayRuns(r)[0].argv).toEqual(['gateway', 'run', '--port', '18789', '--bind', 'lan', '--auth', 'token']);
  }, 120_000);

  it('never prints the token: the gateway output is scrubbed and the Control UI URL carries none', async () => {
    const r = start({ OPENCLAW_CONTROL_UI_URL: 'http://localhost:18789/' });
    await until(() => r.out().includes('gateway listening'), 'the gateway output');
    expect(r.out()).not.toContain(TOKEN);
    expect(r.out()).toContain('#token=***');
    expect(r.out()).toContain('Control UI: http://localhost:18789/');
    expect(r.out()).toMatch(/no model provider key .*agents cannot run/);
  }, 120_000);

  it('starts without a roster (no agents section OpenClaw would refuse) and adds it, with the work layout, when profile sync writes one', async () => {
    const r = start({});
    await until(() => gatewayRuns(r).length === 1, 'the gateway to start');
    expect(JSON.parse(readFileSync(r.configPath, 'utf8')).agents).toBeUndefined();
    writeFileSync(r.fragmentPath, fragment(['engineer'], path.dirname(r.fragmentPath)));
    await until(() => JSON.parse(readFileSync(r.configPath, 'utf8')).agents !== undefined, 'the roster to be merged');
    const config = JSON.parse(readFileSync(r.configPath, 'utf8'));
    expect(Object.keys(config.agents.entries)).toEqual(['engineer']);
    expect(config.gateway.auth).toEqual({ mode: 'token', token: '${OPENCLAW_GATEWAY_TOKEN}' });
    for (const sub of ['repos', 'worktrees', 'deliverables', 'memory']) {
      expect(existsSync(path.join(path.dirname(r.fragmentPath), 'agents', 'engineer', sub)), sub).toBe(true);
    }
    // Hot reload is the gateway's: the same process keeps running.
    expect(gatewayRuns(r)).toHaveLength(1);
  }, 120_000);

  it('waits for the runtime\'s roster so the first config has the agents', async () => {
    const r = start({ OPENCLAW_ROSTER_WAIT_SECONDS: '20' });
    await until(() => r.out().includes('waiting up to 20 s'), 'the wait to begin');
    expect(gatewayRuns(r)).toHaveLength(0);
    writeFileSync(r.fragmentPath, fragment(['qa'], path.dirname(r.fragmentPath)));
    await until(() => gatewayRuns(r).length === 1, 'the gateway to start');
    expect(Object.keys(JSON.parse(readFileSync(r.configPath, 'utf8')).agents.entries)).toEqual(['qa']);
  }, 120_000);

  it('OPENCLAW_CONFIG_RELOAD=1 restarts the gateway when the roster changes', async () => {
    const r = start({ OPENCLAW_CONFIG_RELOAD: '1' });
    await until(() => gatewayRuns(r).length === 1, 'the gateway to start');
    const first = gatewayRuns(r)[0].pid;
    writeFileSync(r.fragmentPath, fragment(['engineer'], path.dirname(r.fragmentPath)));
    await until(() => gatewayRuns(r).length === 2, 'the gateway to restart');
    expect(gatewayRuns(r)[1].pid).not.toBe(first);
    expect(r.child.exitCode).toBeNull();
    expect(r.out()).toContain('restarting the gateway (OPENCLAW_CONFIG_RELOAD=1)');
  }, 120_000);

  it('OPENCLAW_SESSION_RETENTION_DAYS prunes the session store before the gateway starts; 0 clears it', async () => {
    const r = start({ OPENCLAW_SESSION_RETENTION_DAYS: '0' });
    await until(() => gatewayRuns(r).length === 1, 'the gateway to start');
    expect(r.records()[0].argv).toEqual(['sessions', 'cleanup', '--all-agents', '--enforce']);
    expect(JSON.parse(readFileSync(r.configPath, 'utf8')).session.maintenance).toEqual({ mode: 'enforce', pruneAfter: '1s' });
    const week = start({ OPENCLAW_SESSION_RETENTION_DAYS: '7' });
    await until(() => gatewayRuns(week).length === 1, 'the gateway to start');
    expect(JSON.parse(readFileSync(week.configPath, 'utf8')).session.maintenance.pruneAfter).toBe('7d');
  }, 120_000);

  it('refuses a bad retention value and a missing token with a clear error, before starting anything', async () => {
    const bad = start({ OPENCLAW_SESSION_RETENTION_DAYS: 'a week' });
    expect(await bad.exit).toBe(78);
    expect(bad.out()).toContain('OPENCLAW_SESSION_RETENTION_DAYS must be a whole number of days');
    const noToken = start({ OPENCLAW_GATEWAY_TOKEN: '' });
    expect(await noToken.exit).toBe(78);
    expect(noToken.out()).toContain('OPENCLAW_GATEWAY_TOKEN is not set');
    expect([...bad.records(), ...noToken.records()]).toHaveLength(0);
  }, 120_000);

  it('starts the gateway again when OpenClaw gives up on its 5 s state lease during startup (a CPU-starved host), at most 3 times', async () => {
    const r = start({ STAND_IN_LEASE_FAILURES: '2' });
    await until(() => gatewayRuns(r).length === 3, 'two retries');
    await until(() => r.out().includes('gateway listening'), 'the third start to run');
    expect(r.child.exitCode).toBeNull();
    expect(r.out()).toContain('starting it again (2/3)');
    const hopeless = start({ STAND_IN_LEASE_FAILURES: '10' });
    expect(await hopeless.exit).toBe(1);
    expect(gatewayRuns(hopeless)).toHaveLength(4);
  }, 120_000);

  it('removes Chromium locks a previous container left and forwards SIGTERM, exiting with the gateway\'s code', async () => {
    const r = start({}, (dir) => {
      const userData = path.join(dir, 'state', 'browser', 'openclaw', 'user-data');
      mkdirSync(userData, { recursive: true });
      symlinkSync('old-container-host-42', path.join(userData, 'SingletonLock'));
      writeFileSync(path.join(userData, 'SingletonCookie'), '');
    });
    await until(() => gatewayRuns(r).length === 1, 'the gateway to start');
    const userData = path.join(r.dir, 'state', 'browser', 'openclaw', 'user-data');
    expect(existsSync(path.join(userData, 'SingletonCookie'))).toBe(false);
    expect(() => lstatSync(path.join(userData, 'SingletonLock'))).toThrow();
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
  }, 120_000);
});
