/**
 * Runs the gateway as a supervised child process: spawn, wait for HTTP
 * readiness, restart with exponential backoff when it dies (or never becomes
 * ready), forward its output lines into our logs, and stop it with SIGTERM then
 * SIGKILL. The original runtime never managed the gateway process at all.
 *
 * The child leads its own process group and is leashed to this process
 * (leash.ts): it dies with the runtime even after a SIGKILL or a forced exit.
 */
import type { ChildProcess } from 'node:child_process';
// child_process is taken when first used (process.getBuiltinModule), not imported: the bundle loads
// every statically imported built-in at start, and it is ~7 ms that most runtimes never use.
import type childProcess from 'node:child_process';
import type readline from 'node:readline';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { leashProcessGroup, type Leash } from './leash.ts';

export interface SupervisorOptions {
  command: string;
  args: string[];
  /** Complete child environment (the caller merges the runtime's env with overrides). */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** One readiness check (e.g. `GET /v1/models`); true when ready. Must honour the signal. */
  probe(signal: AbortSignal): Promise<boolean>;
  logger: Logger;
  clock: Clock;
  readyTimeoutMs: number;
  readyPollMs: number;
  restartBaseMs: number;
  restartMaxMs: number;
  /** A child that lived this long resets the backoff. */
  stableAfterMs: number;
  stopGraceMs: number;
  maxLineLength?: number;
  onRestart?(): void;
  onStateChange?(state: SupervisorState): void;
}

export type SupervisorState = 'idle' | 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';

export interface SupervisorStatus {
  state: SupervisorState;
  pid?: number;
  restarts: number;
  startedAt?: number;
  readyAt?: number;
  lastExit?: { code: number | null; signal: string | null; at: number; uptimeMs: number };
  nextRestartInMs?: number;
}

export interface Supervisor {
  start(): void;
  /** Resolves when the current child is ready; rejects after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  status(): SupervisorStatus;
}

interface Running {
  child: ChildProcess;
  startedAt: number;
  exited: Promise<void>;
  hasExited: boolean;
  leash?: Leash;
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { logger, clock } = options;
  const maxLine = options.maxLineLength ?? 4000;
  let status: SupervisorStatus = { state: 'idle', restarts: 0 };
  let current: Running | undefined;
  let failures = 0;
  let lifecycle = new AbortController();
  let readyWaiters: (() => void)[] = [];

  function setState(state: SupervisorState, extra: Partial<SupervisorStatus> = {}): void {
    status = { ...status, ...extra, state };
    if (state !== 'backoff') delete status.nextRestartInMs;
    options.onStateChange?.(state);
  }

  function forward(stream: NodeJS.ReadableStream | null, level: 'info' | 'warn', log: Logger): void {
    if (!stream) return;
    const lines = (process.getBuiltinModule('node:readline') as typeof readline).createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (!line.trim()) return;
      log[level]({ stream: level === 'info' ? 'stdout' : 'stderr' }, line.length > maxLine ? `${line.slice(0, maxLine)}…` : line);
    });
  }

  function signalChild(run: Running, signal: NodeJS.Signals): void {
    if (run.hasExited || run.child.pid === undefined) return;
    try {
      // The child leads its own process group, so helpers it spawned get the signal too.
      process.kill(-run.child.pid, signal);
    } catch {
      run.child.kill(signal);
    }
  }

  function spawnChild(): void {
    const startedAt = clock.now();
    let child: ChildProcess;
    try {
      child = (process.getBuiltinModule('node:child_process') as typeof childProcess).spawn(options.command, options.args, {
        env: options.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: stop signals reach the helpers it spawns; the leash kills the group if we die.
        detached: true,
      });
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'cannot spawn the gateway process');
      scheduleRestart(null, null, 0);
      return;
    }
    let resolveExit!: () => void;
    const run: Running = { child, startedAt, hasExited: false, exited: new Promise((r) => (resolveExit = r)) };
    current = run;
    if (child.pid !== undefined && process.platform !== 'win32') {
      run.leash = leashProcessGroup(child.pid, options.stopGraceMs, (err) => logger.warn({ err: err.message }, 'cannot leash the gateway process to the runtime'));
    }
    const childLog = logger.child({ component: 'openclaw-gateway', pid: child.pid });
    forward(child.stdout, 'info', childLog);
    forward(child.stderr, 'warn', childLog);
    setState('starting', { pid: child.pid, startedAt, readyAt: undefined });
    logger.info({ command: options.command, pid: child.pid }, 'gateway process started');

    const gone = (code: number | null, signal: string | null, error?: Error) => {
      if (run.hasExited) return;
      run.hasExited = true;
      run.leash?.release();
      resolveExit();
      const at = clock.now();
      status = { ...status, pid: undefined, lastExit: { code, signal, at, uptimeMs: at - startedAt } };
      if (current === run) current = undefined;
      if (lifecycle.signal.aborted) return;
      if (error) logger.error({ err: error.message, command: options.command }, 'gateway process could not run');
      scheduleRestart(code, signal, at - startedAt);
    };
    child.once('error', (err) => gone(null, null, err));
    child.once('exit', (code, signal) => gone(code, signal));
    void awaitReady(run);
  }

  async function awaitReady(run: Running): Promise<void> {
    const signal = lifecycle.signal;
    const deadline = run.startedAt + options.readyTimeoutMs;
    while (!run.hasExited && !signal.aborted) {
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(Math.max(100, options.readyPollMs))]);
      const ok = await options.probe(attempt).catch(() => false);
      if (run.hasExited || signal.aborted) return;
      if (ok) {
        const readyAt = clock.now();
        setState('ready', { readyAt });
        logger.info({ pid: run.child.pid, startupMs: readyAt - run.startedAt }, 'gateway process ready');
        for (const w of readyWaiters.splice(0)) w();
        return;
      }
      if (clock.now() >= deadline) {
        logger.warn({ pid: run.child.pid, readyTimeoutMs: options.readyTimeoutMs }, 'gateway process not ready in time; restarting it');
        await terminate(run);
        return;
      }
      await clock.sleep(options.readyPollMs, signal).catch(() => undefined);
    }
  }

  function scheduleRestart(code: number | null, signal: string | null, uptimeMs: number): void {
    failures = uptimeMs >= options.stableAfterMs ? 1 : failures + 1;
    const delay = Math.min(options.restartMaxMs, options.restartBaseMs * 2 ** Math.min(failures - 1, 20));
    setState('backoff', { nextRestartInMs: delay });
    logger.warn({ code, signal, uptimeMs, restartInMs: delay }, 'gateway process exited; restarting');
    const stop = lifecycle.signal;
    clock.sleep(delay, stop).then(
      () => {
        if (stop.aborted) return;
        status = { ...status, restarts: status.restarts + 1 };
        options.onRestart?.();
        spawnChild();
      },
      () => undefined, // stopped while waiting
    );
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the child is gone. */
  async function terminate(run: Running): Promise<void> {
    signalChild(run, 'SIGTERM');
    const cancelGrace = new AbortController();
    const graceOver = clock.sleep(options.stopGraceMs, cancelGrace.signal).then(
      () => 'timeout' as const,
      () => 'exited' as const,
    );
    const outcome = await Promise.race([run.exited.then(() => 'exited' as const), graceOver]);
    cancelGrace.abort(); // do not keep a timer alive after the child is gone
    if (outcome === 'timeout') {
      logger.warn({ pid: run.child.pid, graceMs: options.stopGraceMs }, 'gateway process ignored SIGTERM; sending SIGKILL');
      signalChild(run, 'SIGKILL');
      await run.exited;
    }
  }

  return {
    start() {
      if (status.state !== 'idle' && status.state !== 'stopped') return;
      lifecycle = new AbortController();
      failures = 0;
      spawnChild();
    },

    waitReady(timeoutMs) {
      if (status.state === 'ready') return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          readyWaiters = readyWaiters.filter((w) => w !== done);
          reject(new Error(`gateway process not ready within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        readyWaiters.push(done);
      });
    },

    async stop() {
      if (status.state === 'idle' || status.state === 'stopped') return;
      setState('stopping');
      lifecycle.abort();
      const run = current;
      if (run && !run.hasExited) {
        await terminate(run);
        logger.info({ code: status.lastExit?.code, signal: status.lastExit?.signal }, 'gateway process stopped');
      }
      setState('stopped', { pid: undefined });
    },

    status: () => ({ ...status }),
  };
}
