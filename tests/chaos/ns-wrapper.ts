/**
 * Runs a command with its data dir on a tmpfs of its own, inside a user +
 * mount + pid namespace (started by the chaos rig as
 * `unshare -rm --pid --fork --kill-child node ns-wrapper.ts <dir> <sizeKb> [--ro-shim <so> <flag>] -- <cmd…>`),
 * so a test can make the data dir's disk full or read-only under a running
 * runtime without root on the host and without touching any other file system.
 *
 * Commands on stdin, one per line, each acknowledged on stdout (`ns-wrapper: …`):
 * - `fill`: the disk full for certain (disk-faults.ts says how), then verified:
 *   a new file and a write to the delivery store must both fail. Answers
 *   `full (verified: …)` or `fill failed: …`.
 * - `free`: deletes the filler. Answers `freed`.
 * - `ro`: read-only (the preloaded shim, see readonly-shim.c), verified the same
 *   way in a fresh process with the shim. Answers `read-only (verified: …)`.
 * - `rw`: writable again. Answers `read-write`.
 * Exits with the command's exit code; as pid 1 of its namespace, its death ends
 * every process in it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fillDisk, verifyWritesFail } from './disk-faults.ts';

const args = process.argv.slice(2);
const [dir, sizeKb] = args;
const shimAt = args.indexOf('--ro-shim');
const shim = shimAt > 0 ? { so: args[shimAt + 1], flag: args[shimAt + 2] } : undefined;
const sep = args.indexOf('--');
const cmd = sep > 0 ? args.slice(sep + 1) : [];
if (!dir || !sizeKb || cmd.length === 0 || (shim && (!shim.so || !shim.flag))) {
  process.stderr.write('usage: ns-wrapper.ts <dir> <sizeKb> [--ro-shim <so> <flag>] -- <command…>\n');
  process.exit(64);
}
mkdirSync(dir, { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
if (shim) rmSync(shim.flag, { force: true });
const shimEnv: Record<string, string> = shim ? { LD_PRELOAD: shim.so, MC_RO_DIR: path.resolve(dir), MC_RO_FLAG: shim.flag } : {};
const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...shimEnv } });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));

const filler = path.join(dir, 'filler.bin');
const say = (line: string): void => void process.stdout.write(`ns-wrapper: ${line}\n`);

async function handle(line: string): Promise<void> {
  switch (line.trim()) {
    case 'fill': {
      const filled = await fillDisk(dir, filler);
      const verdict = verifyWritesFail(dir, {});
      return say(verdict.ok ? `full (${filled}; verified: ${verdict.detail})` : `fill failed: ${verdict.detail}`);
    }
    case 'free':
      rmSync(filler, { force: true });
      return say('freed');
    case 'ro': {
      if (!shim) return say('ro failed: started without --ro-shim');
      writeFileSync(shim.flag, '');
      const verdict = verifyWritesFail(dir, shimEnv);
      return say(verdict.ok ? `read-only (verified: ${verdict.detail})` : `ro failed: ${verdict.detail}`);
    }
    case 'rw':
      if (shim) rmSync(shim.flag, { force: true });
      return say('read-write');
    default:
      return say(`unknown command ${line}`);
  }
}

// One command at a time, in order.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => handle(line)).catch((err: unknown) => say(`failed: ${(err as Error).message}`));
});
