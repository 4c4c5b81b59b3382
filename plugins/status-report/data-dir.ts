/**
 * Is the data dir writable? Retry budgets, dead letters and the data dir lock
 * live there; a full or read-only disk must show as `degraded` on /health and
 * in the status report, not only as errors deep in one plugin. The probe
 * writes, syncs and removes a 4 KiB file, at most once per `cacheMs`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export const PROBE_FILE = '.write-probe';

export class DataDirProbe {
  readonly #file: string;
  readonly #cacheMs: number;
  readonly #now: () => number;
  #last: { at: number; ok: boolean; detail?: string } | undefined;

  constructor(dir: string, now: () => number, cacheMs = 2_000) {
    this.#file = path.resolve(dir, PROBE_FILE);
    this.#now = now;
    this.#cacheMs = cacheMs;
  }

  check(): { ok: boolean; detail?: string } {
    const now = this.#now();
    if (this.#last && now - this.#last.at < this.#cacheMs) return this.#last;
    let fd: number | undefined;
    try {
      mkdirSync(path.dirname(this.#file), { recursive: true });
      fd = openSync(this.#file, 'w');
      writeSync(fd, Buffer.alloc(4096, 0x2e));
      fsyncSync(fd);
      this.#last = { at: now, ok: true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'disk full' : code === 'EROFS' ? 'read-only file system' : (err as Error).message;
      this.#last = { at: now, ok: false, detail: `data dir ${path.dirname(this.#file)} is not writable (${code}: ${why}); delivery state cannot be recorded` };
    } finally {
      if (fd !== undefined) closeSync(fd);
      try {
        rmSync(this.#file, { force: true });
      } catch {
        // read-only: nothing was created
      }
    }
    return this.#last;
  }
}
