/**
 * A leash that ties the gateway's process group to the runtime's life.
 *
 * The gateway runs in its own process group (so a stop reaches the helpers it
 * spawns, and a terminal's Ctrl-C does not hit it before the runtime has
 * drained). A child is not killed when its parent dies, though: after a
 * SIGKILL or a forced exit of the runtime, the gateway would keep running and
 * holding its port. So next to each gateway we start a tiny `sh` watcher in a
 * session of its own whose stdin is a pipe from the runtime. It never reads
 * anything but end-of-file, which the kernel delivers when the runtime process
 * ends, however it ends (no handler of ours has to run). Then it sends SIGTERM
 * to the gateway's group and SIGKILL after the grace period.
 *
 * The supervisor releases the leash (kills the watcher) as soon as the gateway
 * exits on its own, so a reused process-group id is never signalled.
 */
import type { ChildProcess } from 'node:child_process';
// child_process is taken when first used (process.getBuiltinModule), not imported: the bundle loads
// every statically imported built-in at start, and it is ~7 ms that most runtimes never use.
import type childProcess from 'node:child_process';
import type { Socket } from 'node:net';

// $1: the gateway's process group, $2: grace in seconds. dash, bash and busybox sh all accept this.
const SCRIPT = [
  'while read -r _; do :; done',
  'kill -TERM "-$1" 2>/dev/null || exit 0',
  'i=0',
  'while [ "$i" -lt "$2" ]; do kill -0 "-$1" 2>/dev/null || exit 0; sleep 1; i=$((i+1)); done',
  'kill -KILL "-$1" 2>/dev/null',
  'exit 0',
].join('\n');

export interface Leash {
  /** The watcher's pid (diagnostics). */
  readonly pid: number | undefined;
  /** Stop watching: the gateway ended normally. */
  release(): void;
}

/** Watches `processGroup` (the gateway's pid, it leads its group) on behalf of this process. */
export function leashProcessGroup(processGroup: number, graceMs: number, onError: (err: Error) => void): Leash {
  const grace = Math.max(1, Math.ceil(graceMs / 1000));
  let watcher: ChildProcess | undefined;
  try {
    watcher = (process.getBuiltinModule('node:child_process') as typeof childProcess).spawn('/bin/sh', ['-c', SCRIPT, 'mc-gateway-leash', String(processGroup), String(grace)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env: { PATH: '/usr/bin:/bin' },
    });
  } catch (err) {
    onError(err as Error);
    return { pid: undefined, release() {} };
  }
  watcher.once('error', onError);
  // The pipe and the watcher must not keep the runtime's event loop alive.
  (watcher.stdin as Socket | null)?.on('error', () => undefined);
  (watcher.stdin as Socket | null)?.unref?.();
  watcher.unref();
  const w = watcher;
  return {
    pid: w.pid,
    release() {
      // Kill first: closing the pipe while the watcher lives would make it fire.
      if (w.exitCode === null && w.signalCode === null) {
        w.once('exit', () => w.stdin?.destroy());
        w.kill('SIGKILL');
      } else {
        w.stdin?.destroy();
      }
    },
  };
}
