/**
 * File-system checks `mc-runtime doctor` and plugin doctors share: is a
 * directory writable (or creatable), and does another process hold files in it.
 * Read-only: a directory that does not exist yet is never created here.
 */
import { constants, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { DoctorCheck } from './contract.ts';

/** Writable if it exists and we may write it; else if its nearest existing parent is writable (start creates it). */
export async function checkWritableDir(label: string, dir: string, fixHint: string): Promise<DoctorCheck> {
  const name = `${label} writable`;
  let probe = dir;
  while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  try {
    if (!statSync(probe).isDirectory()) {
      return { name, ok: false, detail: `${probe} is not a directory`, fix: fixHint };
    }
    await access(probe, constants.W_OK | constants.X_OK);
  } catch (err) {
    return { name, ok: false, detail: `${probe}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, fix: fixHint };
  }
  return { name, ok: true, detail: probe === dir ? dir : `${dir} (does not exist yet; ${probe} is writable, so start creates it)` };
}

export interface Holder {
  pid: number;
  command: string;
  file: string;
}

/**
 * Processes (other than this one) with a file open, or their working directory, inside `dir`.
 * Reads /proc like `fuser` does; undefined where there is no /proc (then nobody can tell).
 */
export function holdersOf(dir: string, procRoot = '/proc'): Holder[] | undefined {
  if (!existsSync(path.join(procRoot, 'self', 'fd'))) return undefined;
  const prefix = path.resolve(dir) + path.sep;
  const holders: Holder[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const base = path.join(procRoot, entry);
    const files: string[] = [];
    try {
      for (const fd of readdirSync(path.join(base, 'fd'))) {
        try {
          files.push(readlinkSync(path.join(base, 'fd', fd)));
        } catch {
          /* closed meanwhile */
        }
      }
    } catch {
      continue; // another user's process or gone
    }
    const inside = files.find((f) => f.startsWith(prefix));
    if (!inside) continue;
    let command = '';
    try {
      command = readFileSync(path.join(base, 'cmdline'), 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      /* gone */
    }
    holders.push({ pid: Number(entry), command: command.length > 120 ? `${command.slice(0, 120)}…` : command, file: inside });
  }
  return holders;
}

export function checkNotHeld(label: string, dir: string, options: { warnOnly?: boolean } = {}): DoctorCheck {
  const name = `${label} not held by another process`;
  if (!existsSync(dir)) return { name, ok: true, detail: 'does not exist yet' };
  const holders = holdersOf(dir);
  if (holders === undefined) return { name, ok: true, warning: true, detail: 'cannot tell on this system (no /proc)' };
  if (holders.length === 0) return { name, ok: true, detail: 'no other process has files open in it' };
  const detail = holders.map((h) => `pid ${h.pid} (${h.command || '?'}) has ${path.relative(dir, h.file)} open`).join('; ');
  if (options.warnOnly) return { name, ok: true, warning: true, detail };
  return {
    name,
    ok: false,
    detail,
    fix: 'another runtime (or tool) uses this directory: stop it, or give this runtime its own RUNTIME_DATA_DIR',
  };
}

/** The most specific reason a `fetch` failed (`ECONNREFUSED`, `ENOTFOUND`, a timeout), not just "fetch failed". */
export function fetchFailure(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string; errors?: Array<{ code?: string }> } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer (${e.name === 'TimeoutError' ? 'timed out' : 'aborted'})`;
  return e.cause?.code ?? e.cause?.errors?.find((x) => x.code)?.code ?? e.cause?.message ?? e.message;
}
