import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, leaseFromEnv, staleReason, type LockEnv, type LockHolder } from './data-dir-lock.ts';

function fakeEnv(over: Partial<LockEnv> = {}): LockEnv & { t: number } {
  const env = { t: 1_000_000, pid: 100, host: 'h1', alive: () => true, ...over, now: () => env.t };
  return env;
}
const dir = () => mkdtempSync(path.join(tmpdir(), 'mc-lockunit-'));
const holder = (over: Partial<LockHolder> = {}): LockHolder => ({ pid: 7, host: 'h1', nonce: 'n1', startedAt: 0, renewedAt: 1_000_000, ...over });

describe('staleReason', () => {
  it('same host: stale when the pid is gone or is our own; alive otherwise', () => {
    expect(staleReason(holder(), fakeEnv(), 60_000)).toBeUndefined();
    expect(staleReason(holder(), fakeEnv({ alive: () => false }), 60_000)).toMatch(/pid 7 is not running/);
    expect(staleReason(holder({ pid: 100 }), fakeEnv(), 60_000)).toMatch(/earlier life/);
  });
  it('another host: alive while renewed within the lease, stale after', () => {
    const env = fakeEnv({ alive: () => false });
    expect(staleReason(holder({ host: 'h2' }), env, 60_000)).toBeUndefined();
    env.t += 60_001;
    expect(staleReason(holder({ host: 'h2' }), env, 60_000)).toMatch(/not renewed for 60 s/);
  });
});

describe('acquireDataDirLock', () => {
  it('refuses while a live holder has it, naming pid and host; takes over when it is gone', () => {
    const d = dir();
    const a = acquireDataDirLock({ dataDir: d, env: fakeEnv({ pid: 1 }) });
    expect(() => acquireDataDirLock({ dataDir: d, env: fakeEnv({ pid: 2 }) })).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock({ dataDir: d, env: fakeEnv({ pid: 2 }) })).toThrow(/pid 1 on host "h1"/);
    const logs: string[] = [];
    const b = acquireDataDirLock({ dataDir: d, env: fakeEnv({ pid: 2, alive: (p) => p !== 1 }), log: (_l, msg, f) => logs.push(`${msg} ${JSON.stringify(f)}`) });
    expect(logs[0]).toMatch(/took over a stale data dir lock.*"previousPid":1/);
    expect(JSON.parse(readFileSync(b.file, 'utf8')).pid).toBe(2);
    // The old holder notices on its next renewal and is told once.
    let lostTo: LockHolder | undefined;
    const a2 = acquireDataDirLock({ dataDir: dir(), env: fakeEnv({ pid: 9 }), onLost: (h) => (lostTo = h) });
    writeFileSync(a2.file, JSON.stringify(holder({ pid: 10, nonce: 'other' })));
    expect(a2.renew()).toBe(false);
    expect(lostTo?.pid).toBe(10);
    a.release();
    expect(JSON.parse(readFileSync(b.file, 'utf8')).pid).toBe(2); // release never removes a successor's lock
    b.release();
  });

  it('an unreadable (torn) lock file is stale at once', () => {
    const d = dir();
    writeFileSync(path.join(d, 'runtime.lock'), '{"pid":');
    const lock = acquireDataDirLock({ dataDir: d, env: fakeEnv() });
    expect(lock.held).toBe(true);
    lock.release();
  });

  it('renewal rewrites renewedAt; a failing write keeps the lock and reports false', () => {
    const d = dir();
    const env = fakeEnv();
    const lock = acquireDataDirLock({ dataDir: d, env });
    env.t += 5_000;
    expect(lock.renew()).toBe(true);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).renewedAt).toBe(env.t);
    lock.release();
  });

  // Root ignores file permissions; the chaos suite covers a read-only mount.
  it.skipIf(process.getuid?.() === 0)('a data dir that cannot be written at start runs unlocked with an error line', () => {
    const d = dir();
    chmodSync(d, 0o555);
    const logs: string[] = [];
    const lock = acquireDataDirLock({ dataDir: d, env: fakeEnv(), log: (_l, m) => logs.push(m) });
    expect(lock.held).toBe(false);
    expect(logs).toEqual(['data dir is not writable: running without the data dir lock']);
  });

  it('leaseFromEnv validates the variable', () => {
    expect(leaseFromEnv({})).toBe(60_000);
    expect(leaseFromEnv({ RUNTIME_LOCK_LEASE_MS: '5000' })).toBe(5000);
    expect(() => leaseFromEnv({ RUNTIME_LOCK_LEASE_MS: '10' })).toThrow(/env:RUNTIME_LOCK_LEASE_MS/);
  });
});
