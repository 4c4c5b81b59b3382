/**
 * One runtime per data dir, on real processes: a second `mc-runtime start` on
 * the same data dir refuses and names the holder's pid and host; a holder
 * killed with SIGKILL never leaves the dir stuck; a lock left by another host
 * stands while renewed and is taken over once its lease ran out; a clean stop
 * removes the lock.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';

const running: ReturnType<typeof startCli>[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGKILL');
      await r.exited;
    }
  }
});

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-lock-'));
  const config = path.join(dir, 'runtime.json');
  writeFileSync(config, JSON.stringify({ runtime: { dataDir: path.join(dir, 'data') }, plugins: [{ use: 'http', options: { port: 0 } }, 'runtime-info', 'health'] }));
  const lockFile = path.join(dir, 'data', 'runtime.lock');
  return { dir, config, lockFile };
}

function start(config: string, env: Record<string, string> = {}) {
  const run = startCli(['--config', config], { env });
  running.push(run);
  return run;
}

describe('data dir lock (real processes)', () => {
  it('refuses a second runtime on the same data dir, naming the holder pid and host; the first keeps running', async () => {
    const s = setup();
    const first = start(s.config);
    await first.waitFor(/"msg":"runtime started"/);
    const holder = JSON.parse(readFileSync(s.lockFile, 'utf8')) as { pid: number; host: string };
    expect(holder.pid).toBe(first.child.pid);

    const second = await runCli(['start', '--config', s.config]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`pid ${first.child.pid} on host "${hostname()}"`);
    expect(second.stdout).not.toMatch(/"msg":"runtime started"/);
    expect(first.child.exitCode).toBeNull();

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(s.lockFile)).toBe(false);
  });

  it('a holder killed with SIGKILL does not block the next start (its pid is gone)', async () => {
    const s = setup();
    const first = start(s.config);
    await first.waitFor(/"msg":"runtime started"/);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(s.lockFile)).toBe(true);

    const next = start(s.config);
    await next.waitFor(/"msg":"runtime started"/);
    expect(next.output()).toMatch(new RegExp(`"previousPid":${first.child.pid}[^\\n]*took over a stale data dir lock`));
    expect(JSON.parse(readFileSync(s.lockFile, 'utf8')).pid).toBe(next.child.pid);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it('a lock from another host stands while renewed, and is taken over once not renewed for the lease', async () => {
    const s = setup();
    const first = start(s.config); // creates the data dir
    await first.waitFor(/"msg":"runtime started"/);
    first.child.kill('SIGTERM');
    await first.exited;
    const now = Date.now();
    const foreign = { pid: 4242, host: 'other-host.example', nonce: 'abcdef0123456789', startedAt: now - 60_000, renewedAt: now };
    writeFileSync(s.lockFile, JSON.stringify(foreign));

    const refused = await runCli(['start', '--config', s.config], { env: { RUNTIME_LOCK_LEASE_MS: '30000' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pid 4242 on host "other-host.example"');

    writeFileSync(s.lockFile, JSON.stringify({ ...foreign, renewedAt: Date.now() - 31_000 }));
    const next = start(s.config, { RUNTIME_LOCK_LEASE_MS: '30000' });
    await next.waitFor(/"msg":"runtime started"/);
    expect(next.output()).toMatch(/"previousHost":"other-host.example"[^\n]*not renewed for/);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it('a bad RUNTIME_LOCK_LEASE_MS stops the start naming the variable (exit 2)', async () => {
    const s = setup();
    const result = await runCli(['start', '--config', s.config], { env: { RUNTIME_LOCK_LEASE_MS: 'soon' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('env:RUNTIME_LOCK_LEASE_MS');
  });
});
