/**
 * One runtime per data dir. Two processes on one data dir would share retry
 * budgets and dead letters and deliver every notification twice, so `start`
 * takes `<dataDir>/runtime.lock` before the kernel boots and a second process
 * refuses, naming the holder's pid and host.
 *
 * The lock is a small JSON file created with O_EXCL. Its holder refreshes
 * `renewedAt` every `leaseMs / 3`. A lock is stale (and is taken over, with a
 * log line) when:
 * - its holder ran on this host and that pid is no longer alive (or is our own
 *   pid: a container restarted with the same pid), or
 * - it was not renewed for `leaseMs` (a holder on another host sharing the
 *   volume, a pid reused by an unrelated process, a frozen holder).
 * A crashed holder therefore never leaves the data dir stuck for longer than
 * the lease, and on the same host not at all.
 *
 * Taking over is race-safe: the stale file is renamed aside first (only one
 * contender can rename a given file), then re-checked to be the very lock that
 * was judged stale; a live lock renamed by mistake is linked back.
 *
 * Writes that fail because the data dir is read-only or full never stop a
 * running holder: the lease is simply not renewed until writing works again.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'runtime.lock';
export const DEFAULT_LEASE_MS = 60_000;

export interface LockHolder {
  pid: number;
  host: string;
  /** Random id of one acquisition (tells a lock from its successor). */
  nonce: string;
  startedAt: number;
  renewedAt: number;
}

export class DataDirLockedError extends Error {
  readonly holder: LockHolder;
  readonly file: string;
  constructor(file: string, holder: LockHolder, now: number, leaseMs: number) {
    const age = Math.max(0, Math.round((now - holder.renewedAt) / 1000));
    super(
      `data dir is in use by another runtime: pid ${holder.pid} on host "${holder.host}" holds ${file} ` +
        `(since ${new Date(holder.startedAt).toISOString()}, renewed ${age} s ago). ` +
        `Run one runtime per data dir. A lock whose holder is gone is taken over automatically: ` +
        `at once on the same host, after ${Math.round(leaseMs / 1000)} s without renewal otherwise.`,
    );
    this.name = 'DataDirLockedError';
    this.holder = holder;
    this.file = file;
  }
}

export interface LockEnv {
  now(): number;
  pid: number;
  host: string;
  /** Whether a pid is alive on this host. */
  alive(pid: number): boolean;
}

export const systemLockEnv: LockEnv = {
  now: () => Date.now(),
  pid: process.pid,
  host: hostname(),
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: the process exists but belongs to someone else.
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

export interface AcquireOptions {
  dataDir: string;
  leaseMs?: number;
  env?: LockEnv;
  /** Told when a stale lock was taken over, or the lease could not be renewed / was lost. */
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>) => void;
  /** Called once when another process took the lock from us (we were frozen past the lease). */
  onLost?: (holder: LockHolder | undefined) => void;
}

export interface DataDirLock {
  readonly file: string;
  /** False when the data dir could not be written at start (read-only, full): running unlocked. */
  readonly held: boolean;
  readonly holder: LockHolder;
  /** Renews now (also runs on a timer); false when the write failed or the lock was lost. */
  renew(): boolean;
  /** Stops renewing and removes the file if it is still ours. Idempotent. */
  release(): void;
}

const WRITE_ERRORS = new Set(['EROFS', 'ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EIO', 'EFBIG']);

function readHolder(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.nonce === 'string' && typeof h.renewedAt === 'number') {
      return { pid: h.pid, host: h.host, nonce: h.nonce, startedAt: typeof h.startedAt === 'number' ? h.startedAt : h.renewedAt, renewedAt: h.renewedAt };
    }
  } catch {
    // torn or foreign content: treated below
  }
  // Unreadable content (a crash mid-write, an empty file): stale at once.
  return { pid: 0, host: '', nonce: `invalid:${text.length}`, startedAt: 0, renewedAt: 0 };
}

/** Why a lock is stale, or undefined when its holder must be presumed alive. */
export function staleReason(holder: LockHolder, env: LockEnv, leaseMs: number): string | undefined {
  if (holder.pid === 0) return 'unreadable lock file';
  if (holder.host === env.host) {
    if (holder.pid === env.pid) return 'held by this pid in an earlier life (restart with the same pid)';
    if (!env.alive(holder.pid)) return `pid ${holder.pid} is not running on this host`;
  }
  if (env.now() - holder.renewedAt > leaseMs) return `not renewed for ${Math.round((env.now() - holder.renewedAt) / 1000)} s (lease ${Math.round(leaseMs / 1000)} s)`;
  return undefined;
}

function createExclusive(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(holder) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * `length` random hex digits. A nonce tells two holders apart (with pid, host and start time); it is
 * no secret, so Math.random serves, and node:crypto stays out of start-up (~8 ms to load).
 */
function nonce(length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** Takes the lock or throws DataDirLockedError naming the live holder. */
export function acquireDataDirLock(options: AcquireOptions): DataDirLock {
  const env = options.env ?? systemLockEnv;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const log = options.log ?? (() => {});
  const dir = path.resolve(options.dataDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const now = env.now();
  const holder: LockHolder = { pid: env.pid, host: env.host, nonce: nonce(16), startedAt: now, renewedAt: now };

  for (let round = 0; ; round++) {
    let created: boolean;
    try {
      created = createExclusive(file, holder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!WRITE_ERRORS.has(code)) throw err;
      // Nothing can be recorded in this data dir anyway; the plugins that need it report that.
      log('error', 'data dir is not writable: running without the data dir lock', { file, code });
      return { file, held: false, holder, renew: () => false, release: () => {} };
    }
    if (created) break;
    const current = readHolder(file);
    if (!current) continue; // released between our attempts
    const reason = staleReason(current, env, leaseMs);
    if (!reason || round >= 5) throw new DataDirLockedError(file, current, env.now(), leaseMs);
    const aside = `${file}.stale-${env.pid}-${nonce(8)}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another contender moved it first
      throw err;
    }
    const moved = readHolder(aside);
    if (moved?.nonce !== current.nonce) {
      // Someone replaced the stale lock between our read and our rename: give theirs back.
      try {
        linkSync(aside, file);
      } catch {
        // they (or a third process) created another lock meanwhile; it stands
      }
      rmSync(aside, { force: true });
      continue;
    }
    rmSync(aside, { force: true });
    log('warn', 'took over a stale data dir lock', { file, previousPid: current.pid, previousHost: current.host, reason });
  }

  let released = false;
  let lost = false;
  let failing = false;
  const lock: DataDirLock = {
    file,
    held: true,
    holder,
    renew() {
      if (released || lost) return false;
      const current = (() => {
        try {
          return readHolder(file);
        } catch {
          return holder; // unreadable right now (I/O error): assume still ours, try again later
        }
      })();
      if (current?.nonce !== holder.nonce) {
        lost = true;
        clearInterval(timer);
        log('error', 'data dir lock was taken by another process', { file, holder: current ? { pid: current.pid, host: current.host } : null });
        options.onLost?.(current);
        return false;
      }
      const next = { ...holder, renewedAt: env.now() };
      const tmp = `${file}.renew-${env.pid}`;
      try {
        writeFileSync(tmp, JSON.stringify(next) + '\n');
        renameSync(tmp, file);
        holder.renewedAt = next.renewedAt;
        if (failing) log('info', 'data dir lock renewed again', { file });
        failing = false;
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (!WRITE_ERRORS.has(code)) throw err;
        if (!failing) log('warn', 'cannot renew the data dir lock (data dir not writable); still holding it', { file, code });
        failing = true;
        rmSync(tmp, { force: true });
        return false;
      }
    },
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (lost) return;
      try {
        if (readHolder(file)?.nonce === holder.nonce) rmSync(file, { force: true });
      } catch {
        // a read-only data dir keeps the file; the next start sees our pid gone
      }
    },
  };
  const timer = setInterval(() => {
    try {
      lock.renew();
    } catch (err) {
      log('warn', 'data dir lock renewal failed', { file, err: (err as Error).message });
    }
  }, Math.max(50, Math.floor(leaseMs / 3)));
  timer.unref();
  return lock;
}

/** `RUNTIME_LOCK_LEASE_MS` (default 60000, at least 1000); throws a message naming the variable. */
export function leaseFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.RUNTIME_LOCK_LEASE_MS?.trim();
  if (!raw) return DEFAULT_LEASE_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1000) throw new Error(`env:RUNTIME_LOCK_LEASE_MS: must be an integer >= 1000, got "${raw}"`);
  return value;
}
