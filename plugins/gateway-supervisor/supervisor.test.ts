/**
 * The supervisor with real child processes: the fake gateway executable under
 * tests/support/ runs on Node 24 (type stripping), like the runtime itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { systemClock } from '../../core/clock.ts';
import { createGatewayClient } from '../gateway-openclaw/client.ts';
import { createSupervisor, type Supervisor, type SupervisorOptions } from './supervisor.ts';
import { freePort } from '../../tests/support/free-port.ts';

const FAKE = path.resolve(import.meta.dirname, '../../tests/support/fake-openclaw-gateway.ts');
const TOKEN = 'supervisor-token-1';

/** A free loopback port: the OS picks it (port 0), we release it and hand it to the child. */

function captureLogger() {
  const lines: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of leash watchers (leash.ts) guarding the process group `pgid`, from /proc (Linux). */
function leashesOf(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('mc-gateway-leash') && argv[argv.indexOf('mc-gateway-leash') + 1] === String(pgid)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

const running: Supervisor[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

async function setup(extraArgs: string[] = [], overrides: Partial<SupervisorOptions> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const client = createGatewayClient({ url, token: TOKEN, requestTimeoutMs: 5000 });
  const { logger, lines } = captureLogger();
  const supervisor = createSupervisor({
    command: process.execPath,
    args: [FAKE, 'gateway', 'run', '--port', String(port), ...extraArgs],
    env: { ...process.env, OPENCLAW_GATEWAY_TOKEN: TOKEN, FAKE_GATEWAY_GREETING: 'hello-env' },
    probe: (signal) => client.listModels(500, signal).then(() => true),
    logger,
    clock: systemClock,
    readyTimeoutMs: 10_000,
    readyPollMs: 50,
    restartBaseMs: 100,
    restartMaxMs: 1000,
    stableAfterMs: 60_000,
    stopGraceMs: 2000,
    ...overrides,
  });
  running.push(supervisor);
  return { supervisor, url, lines };
}

describe('gateway supervisor', () => {
  it('starts the process, waits for HTTP readiness and forwards its output', async () => {
    const { supervisor, lines } = await setup();
    supervisor.start();
    await supervisor.waitReady(10_000);
    const s = supervisor.status();
    expect(s.state).toBe('ready');
    expect(alive(s.pid!)).toBe(true);
    await waitFor(() => lines.some((l) => /listening on/.test(l.msg)));
    const stdout = lines.find((l) => /greeting=hello-env/.test(l.msg));
    expect(stdout).toMatchObject({ component: 'openclaw-gateway', stream: 'stdout', level: 30, pid: s.pid });
    expect(lines.find((l) => l.stream === 'stderr')).toMatchObject({ level: 40, msg: 'fake gateway: this line goes to stderr' });
  });

  it('restarts a process that dies, with growing backoff, and becomes ready again', async () => {
    const { supervisor, url, lines } = await setup();
    supervisor.start();
    await supervisor.waitReady(10_000);
    const firstPid = supervisor.status().pid!;
    await fetch(`${url}/exit?code=3`, { method: 'POST' });
    await waitFor(() => supervisor.status().restarts === 1 && supervisor.status().state === 'ready');
    expect(supervisor.status().pid).not.toBe(firstPid);
    expect(supervisor.status().lastExit).toMatchObject({ code: 3 });
    if (process.platform === 'linux') {
      await waitFor(() => leashesOf(firstPid).length === 0);
      expect(leashesOf(supervisor.status().pid!)).toHaveLength(1);
    }
    await fetch(`${url}/exit?code=4`, { method: 'POST' });
    await waitFor(() => supervisor.status().restarts === 2 && supervisor.status().state === 'ready');
    const delays = lines.filter((l) => l.msg === 'gateway process exited; restarting').map((l) => l.restartInMs);
    expect(delays).toEqual([100, 200]);
  });

  it('stops with SIGTERM', async () => {
    const { supervisor, lines } = await setup();
    supervisor.start();
    await supervisor.waitReady(10_000);
    const pid = supervisor.status().pid!;
    if (process.platform === 'linux') expect(leashesOf(pid)).toHaveLength(1);
    await supervisor.stop();
    expect(alive(pid)).toBe(false);
    expect(supervisor.status()).toMatchObject({ state: 'stopped', lastExit: { code: 0 } });
    // The leash goes with the child: no watcher is left behind to signal a reused group id.
    if (process.platform === 'linux') await waitFor(() => leashesOf(pid).length === 0);
    expect(lines.some((l) => /received SIGTERM/.test(l.msg))).toBe(true);
    expect(lines.some((l) => l.msg === 'gateway process exited; restarting')).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const { supervisor, lines } = await setup(['--ignore-sigterm'], { stopGraceMs: 300 });
    supervisor.start();
    await supervisor.waitReady(10_000);
    const pid = supervisor.status().pid!;
    await supervisor.stop();
    expect(alive(pid)).toBe(false);
    expect(supervisor.status().lastExit).toMatchObject({ signal: 'SIGKILL' });
    expect(lines.some((l) => /ignored SIGTERM; sending SIGKILL/.test(l.msg))).toBe(true);
  });

  it('restarts a process that never becomes ready', async () => {
    const { supervisor, lines } = await setup(['--never-ready'], { readyTimeoutMs: 300 });
    supervisor.start();
    await waitFor(() => supervisor.status().restarts >= 1);
    expect(lines.some((l) => l.msg === 'gateway process not ready in time; restarting it')).toBe(true);
    expect(supervisor.status().state).not.toBe('ready');
  });

  it('keeps retrying with backoff when the command does not exist, and stops cleanly', async () => {
    const { supervisor, lines } = await setup([], { command: 'definitely-not-an-openclaw-binary' });
    supervisor.start();
    await waitFor(() => supervisor.status().restarts >= 2);
    expect(lines.some((l) => l.msg === 'gateway process could not run' && /ENOENT/.test(l.err))).toBe(true);
    await supervisor.stop();
    expect(supervisor.status().state).toBe('stopped');
  });
});
