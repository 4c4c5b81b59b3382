/**
 * Child processes of the real-gateway suite: each runs in its own process group, logs to a file,
 * and is stopped by pid (SIGTERM to the group, SIGKILL after a grace period). Every process still
 * running when the test process exits — also after a failure or a timeout — is killed by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';

export interface LoggedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the whole group at once (a crash, as far as the process can tell). */
  kill(): Promise<void>;
}

const live = new Set<LoggedProcess>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

process.once('exit', () => {
  for (const p of live) killGroup(p.pid, 'SIGKILL');
});

export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
): LoggedProcess {
  appendFileSync(options.logFile, `# ${new Date().toISOString()} start ${name}: ${command} ${args.join(' ')}\n`);
  // The child writes straight to the file: its log never depends on this process draining a pipe.
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'exit', not 'close': grandchildren may hold the pipes open after the leader is gone.
    child.on('exit', (code, signal) => {
      done = true;
      live.delete(proc);
      // Grandchildren (the gateway's workers) share the group: make sure none outlives the leader.
      killGroup(child.pid!, 'SIGKILL');
      appendFileSync(options.logFile, `# ${new Date().toISOString()} ${name} (pid ${child.pid}) exited (code ${code}, signal ${signal})\n`);
      resolve({ code, signal });
    });
  });
  const proc: LoggedProcess = {
    name,
    pid: child.pid,
    child,
    logFile: options.logFile,
    exited,
    running: () => !done,
    async stop(graceMs = 15_000) {
      if (done) return;
      killGroup(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (done) return;
      killGroup(child.pid!, 'SIGKILL');
      await exited;
    },
  };
  live.add(proc);
  return proc;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** The last `lines` lines of a file (ANSI colours removed), or a note that it does not exist. */
export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no ${file})`;
  // eslint-disable-next-line no-control-regex
  const text = readFileSync(file, 'utf8').replace(/\u001b\[[0-9;]*m/g, '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}


/** Polls `check` until it returns a truthy value; on timeout the error names `what` and the last value seen. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, intervalMs = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 600);
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for: ${what} (last seen: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs a short command to completion without blocking the event loop (its output captured). */
export function runToEnd(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
