/**
 * How the disk chaos case makes the data dir's disk unusable for certain
 * (used by ns-wrapper.ts inside the namespace, where the data dir is a tmpfs).
 *
 * Full: filling the tmpfs alone is not enough. SQLite appends to its WAL and
 * rewinds it after a checkpoint, overwriting pages the file already owns, so
 * with the disk "full" small writes still succeed for a long time. So every
 * SQLite file in the dir is first checkpointed with TRUNCATE (its WAL cut to
 * zero bytes, from our own connection: an ordinary second reader/writer), then
 * a filler file takes every last page. The next commit must append to an
 * empty WAL and gets ENOSPC (SQLITE_FULL); nothing else in the dir can grow.
 *
 * Read-only: Linux refuses to make a file system read-only while a process
 * holds files on it open for writing (`mount -o remount,ro` and a read-only
 * bind remount both fail with EBUSY: the mount counts its writers), and a
 * descriptor opened for writing on tmpfs never sees EROFS afterwards. What a
 * real disk does (ext4 switching to read-only after an I/O error, every later
 * write failing with EROFS) needs a block device, which a user namespace does
 * not get. So read-only is injected at the libc boundary of the runtime
 * process: readonly-shim.c, preloaded, fails every write under the data dir
 * with EROFS while a flag file exists.
 *
 * Both are verified from a fresh process before a test relies on them: a new
 * file and a committed write to the delivery store must fail with the
 * expected error (a SQLITE_BUSY would not count).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statfsSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cuts every SQLite WAL in `dir` to zero bytes, then fills the disk to the last page. Returns what it did. */
export async function fillDisk(dir: string, filler: string): Promise<string> {
  const truncated: string[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.sqlite'))) {
    const db = new DatabaseSync(path.join(dir, name));
    try {
      db.exec('PRAGMA busy_timeout = 2000');
      // busy: a reader of the runtime is between statements; try again.
      for (let i = 0; ; i++) {
        const r = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number; log: number };
        if (r.busy === 0 && r.log <= 0) break;
        if (i === 100) throw new Error(`${name}: WAL checkpoint stays busy`);
        await sleep(20);
      }
      truncated.push(name);
    } finally {
      db.close();
    }
  }
  const fd = openSync(filler, 'a');
  try {
    for (const size of [1 << 20, 1 << 16, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x2e);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  const fs = statfsSync(dir);
  return `WAL truncated: ${truncated.join(', ') || 'none'}; free blocks ${fs.bavail}`;
}

/** The check, run in a fresh Node process with `env` (the read-only shim). */
const VERIFY = `
import { writeFileSync, existsSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
const [dir] = process.argv.slice(1);
const out = {};
const probe = dir + '/.write-probe-' + process.pid;
try { writeFileSync(probe, 'x'); out.file = 'written'; } catch (err) { out.file = err.code; }
try { rmSync(probe, { force: true }); } catch {}
const store = dir + '/delivery.sqlite';
if (!existsSync(store)) out.store = 'missing';
else {
  const db = new DatabaseSync(store);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.prepare('INSERT INTO store_probe (k, at) VALUES (2, ?) ON CONFLICT(k) DO UPDATE SET at = excluded.at').run(Date.now());
    out.store = 'written';
  } catch (err) { out.store = { errcode: err.errcode, errstr: err.errstr }; }
  db.close();
}
process.stdout.write(JSON.stringify(out));
`;

/** SQLite result codes that mean "the disk refused": FULL, IOERR (any extended), READONLY. Not BUSY/LOCKED. */
const DISK_REFUSED = new Set([13, 10, 8]);

export function verifyWritesFail(dir: string, env: Record<string, string>): { ok: boolean; detail: string } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', VERIFY, dir], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
  let out: { file?: string; store?: string | { errcode: number; errstr: string } };
  try {
    out = JSON.parse(run.stdout) as typeof out;
  } catch {
    return { ok: false, detail: `the check did not run: ${run.stderr || run.error?.message}` };
  }
  const fileOk = out.file === 'ENOSPC' || out.file === 'EROFS';
  const storeOk = typeof out.store === 'object' && DISK_REFUSED.has(out.store.errcode & 0xff);
  const store = typeof out.store === 'object' ? `${out.store.errstr} (${out.store.errcode})` : out.store;
  return { ok: fileOk && storeOk, detail: `new file: ${out.file}; delivery store write: ${store}` };
}

/** Builds the read-only shim into `outDir` (undefined when no C compiler works here). */
export function buildReadonlyShim(outDir: string): string | undefined {
  const so = path.join(outDir, 'readonly-shim.so');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', so, path.join(import.meta.dirname, 'readonly-shim.c'), '-ldl'], { stdio: 'pipe' });
    return existsSync(so) ? so : undefined;
  } catch {
    return undefined;
  }
}
