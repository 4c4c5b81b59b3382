/**
 * Runs a command with its data dir on a small tmpfs of its own, inside a user +
 * mount + pid namespace (started by the chaos rig as
 * `unshare -rm --pid --fork --kill-child node ns-wrapper.ts <dir> <sizeKb> -- <cmd…>`),
 * so a test can make the data dir's disk full or read-only under a running
 * runtime without root on the host and without touching any other file system.
 *
 * Commands on stdin, one per line, each acknowledged on stdout:
 * `fill` (write a filler file until ENOSPC), `free` (delete it), `ro` / `rw`
 * (remount), `term` (SIGTERM the command). Exits with the command's exit code;
 * as pid 1 of its namespace, its death ends every process in it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const [dir, sizeKb, sep, ...cmd] = process.argv.slice(2);
if (!dir || !sizeKb || sep !== '--' || cmd.length === 0) {
  process.stderr.write('usage: ns-wrapper.ts <dir> <sizeKb> -- <command…>\n');
  process.exit(64);
}
mkdirSync(dir, { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));

const filler = path.join(dir, 'filler.bin');
const say = (line: string) => process.stdout.write(`ns-wrapper: ${line}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  try {
    switch (line.trim()) {
      case 'fill': {
        const fd = openSync(filler, 'a');
        const chunk = Buffer.alloc(16 * 1024);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        } finally {
          closeSync(fd);
        }
        // Small leftovers (less than a chunk) too.
        const fd2 = openSync(filler, 'a');
        try {
          for (;;) writeSync(fd2, Buffer.alloc(512));
        } catch {
          // full
        } finally {
          closeSync(fd2);
        }
        return say('full');
      }
      case 'free':
        rmSync(filler, { force: true });
        return say('freed');
      case 'ro':
        execFileSync('mount', ['-o', 'remount,ro', dir]);
        return say('read-only');
      case 'rw':
        execFileSync('mount', ['-o', 'remount,rw', dir]);
        return say('read-write');
      case 'term':
        child.kill('SIGTERM');
        return say('terminating');
      default:
        return say(`unknown command ${line}`);
    }
  } catch (err) {
    say(`failed: ${(err as Error).message}`);
  }
});
