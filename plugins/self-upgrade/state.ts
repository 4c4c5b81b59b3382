/**
 * The self-upgrade state file (under the runtime data dir): the pending
 * upgrade this runtime last exited for. It survives the restart, which is the
 * point: it is how the next process knows not to exit again for the same one.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ActedUpgrade } from './decide.ts';

export class UpgradeStateFile {
  readonly path: string;

  constructor(file: string) {
    this.path = file;
  }

  /** The remembered upgrade, or undefined (missing or unreadable files mean "none"). */
  read(): ActedUpgrade | undefined {
    try {
      const data = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<ActedUpgrade>;
      if (typeof data.key !== 'string' || typeof data.exitedAt !== 'number') return undefined;
      return data as ActedUpgrade;
    } catch {
      return undefined;
    }
  }

  /** Written before the exit is requested, atomically (a torn file would re-arm the exit). */
  write(acted: ActedUpgrade): void {
    mkdirSync(path.dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(acted, null, 2) + '\n');
    renameSync(tmp, this.path);
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}
