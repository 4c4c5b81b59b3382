/**
 * Small helpers for the container suite: run docker / docker compose, wait for
 * a container's health, and find a free host port. Everything the suite
 * creates is named with one run id, so cleanup can find it by name and label.
 */
import { execFile } from 'node:child_process';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws (the result carries the exit code). */
export function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0', ...opts.env }, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Like sh, but a non-zero exit is an error naming the command and its output. */
export async function must(cmd: string, args: string[], opts: Parameters<typeof sh>[2] = {}): Promise<string> {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`);
  return r.stdout;
}

export const docker = (args: string[], opts?: Parameters<typeof sh>[2]) => must('docker', args, opts);

export async function inspect(container: string, format: string): Promise<string> {
  return (await docker(['inspect', '-f', format, container])).trim();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until Docker reports the container healthy; an unhealthy or exited container fails at once. */
export async function waitHealthy(container: string, timeoutMs: number): Promise<void> {
  const state = await waitFor(`${container} to be healthy`, async () => {
    const [status, health] = (await inspect(container, '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}')).split(' ');
    if (status === 'exited' || health === 'unhealthy') return `${status}/${health}`;
    return health === 'healthy' ? 'healthy' : undefined;
  }, timeoutMs).catch((err: Error) => err.message);
  if (state !== 'healthy') {
    const logs = await sh('docker', ['logs', '--tail', '40', container]);
    throw new Error(`${container}: ${state}\n${logs.stdout}${logs.stderr}`);
  }
}


export async function httpStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** "2.26.1-4" >= "2.24"? */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.replace(/^v/, '').split(/[.-]/).map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < b.length; i++) {
    if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i];
  }
  return true;
}
