/** Runs the real `mc-runtime` command as a child process on Node 24. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const NODE = process.execPath;
export const BIN = path.join(REPO_ROOT, 'bin', 'mc-runtime.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for a child: no inherited runtime variables unless given. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT'];
  // Tests run the TypeScript sources even when a fresh dist/ exists (bin/mc-runtime.js).
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', MC_RUNTIME_FROM_SOURCE: '1' };
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

export function runCli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env: childEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `mc-runtime start` and resolves once a log line matches. */
export function startCli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; nodeArgs?: string[] } = {}) {
  const child: ChildProcess = spawn(NODE, [...(options.nodeArgs ?? []), BIN, 'start', ...args], { cwd: options.cwd ?? REPO_ROOT, env: childEnv(options.env) });
  let output = '';
  const listeners: Array<() => void> = [];
  const onData = (d: Buffer) => {
    output += d.toString();
    listeners.forEach((l) => l());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        };
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`)), timeoutMs);
        listeners.push(check);
        check();
      });
    },
  };
}
