/**
 * `mc-runtime start` as a real child process, observed from outside: CPU time
 * and RSS from /proc (Linux), log lines from stdout (kept as a short tail plus
 * pattern waits, so a 10k-notification run does not pile up output here).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { childEnv, NODE, REPO_ROOT } from '../../tests/support/cli.ts';
import { freePort } from '../../tests/support/free-port.ts';

export const BIN = path.join(REPO_ROOT, 'bin', 'mc-runtime.js');
const CLOCK_TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** How the runtime runs: its TypeScript sources, or the compiled tree (dist/, must be fresh). */
export type RunMode = 'sources' | 'compiled';

export function modeEnv(mode: RunMode): Record<string, string> {
  // The bench's own compile cache (bench/run.ts), as the image has its own.
  const cache: Record<string, string> = process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {};
  return mode === 'sources' ? { MC_RUNTIME_FROM_SOURCE: '1', ...cache } : { MC_RUNTIME_FROM_SOURCE: '0', ...cache };
}

/** User+system CPU of a live process, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/**
 * Minor page faults of a live process so far (all threads). On this VM each costs ~15 µs of CPU:
 * memory a process touches for the first time is part of what a cold burst pays.
 */
export function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

/**
 * User+system CPU of a live process by thread kind, in ms: `main` (JavaScript), `v8`
 * (V8's workers: concurrent GC, background compilation), `libuv` (the thread pool: fs,
 * dns, zlib), `other`. The V8 profile only sees `main`.
 */
export function cpuByThreadMs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
    const kind = tid === String(pid) ? 'main' : /^V8Worker|^DelayedTask/.test(name) ? 'v8' : /^libuv-worker/.test(name) ? 'libuv' : `other (${name})`;
    out[kind] = (out[kind] ?? 0) + ms;
  }
  return out;
}

/**
 * CPU by thread kind between two `cpuByThreadMs` readings, divided by `per` (notifications, seconds),
 * to two decimals. A kind whose threads ended in between can read low, never below zero.
 */
export function cpuByThreadSince(before: Record<string, number>, after: Record<string, number>, per: number): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Number((Math.max(0, v - (before[k] ?? 0)) / Math.max(1e-9, per)).toFixed(2))]));
}

/** Resident set size of a live process, in MiB. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface RuntimeProcess {
  child: ChildProcess;
  pid: number;
  startedAt: number;
  tail(): string;
  /** Count of stdout+stderr lines matching `re` so far. */
  count(re: RegExp): number;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  cpuMs(): number;
  cpuByThreadMs(): Record<string, number>;
  rssMiB(): number;
  minorFaults(): number;
  stop(): Promise<number | null>;
}

/**
 * `BENCH_NODE_ARGS="--flag …"`: extra Node flags for the runtime (V8 tuning experiments).
 * `BENCH_CPU_PROF=<dir>`: every benchmarked runtime writes a V8 CPU profile
 * (`--cpu-prof`) into `<dir>` when it exits; bench/lib/cpu-profile.ts
 * summarises the samples of a time window (the burst) by package and module.
 */
export function cpuProfArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return [...LAUNCH_FLAGS, ...extra, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [])];
}

/**
 * The Node flags `npm start` puts before bin/mc-runtime.js (the image's CMD has the same): the
 * runtime is benchmarked as it is launched. A flag of BENCH_NODE_ARGS comes later and wins.
 */
export const LAUNCH_FLAGS: string[] = (() => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const m = /^node((?: --?[\w-]+(?:=\S+)?)*) bin\/mc-runtime\.js start$/.exec(pkg.scripts.start);
  if (!m) throw new Error(`bench: cannot read the node flags of package.json's start script: ${pkg.scripts.start}`);
  return m[1].split(' ').filter(Boolean);
})();

export function startRuntime(env: Record<string, string>, mode: RunMode, nodeArgs: string[] = cpuProfArgs()): RuntimeProcess {
  const startedAt = performance.now();
  const child = spawn(NODE, [...nodeArgs, BIN, 'start'], { cwd: REPO_ROOT, env: { ...childEnv(env), ...modeEnv(mode) } });
  let tail = '';
  const watched: Array<{ re: RegExp; n: number }> = [];
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    const text = d.toString();
    for (const w of watched) w.n += text.split('\n').filter((l) => w.re.test(l)).length;
    tail = (tail + text).slice(-20_000);
    waiters.forEach((w) => w());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const logDir = process.env.BENCH_RUNTIME_LOG;
  if (logDir) {
    // Everything the runtime prints (e.g. with BENCH_NODE_ARGS=--trace-gc-nvp), one file per process.
    mkdirSync(logDir, { recursive: true });
    const out = createWriteStream(path.join(logDir, `runtime-${child.pid}.log`));
    child.stdout!.pipe(out, { end: false });
    child.stderr!.pipe(out, { end: false });
    child.on('close', () => out.end());
  }
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    startedAt,
    tail: () => tail,
    count(re) {
      let w = watched.find((x) => x.re.source === re.source);
      if (!w) watched.push((w = { re, n: 0 }));
      return w.n;
    },
    waitFor(re, timeoutMs = 180_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output:\n${tail.slice(-4000)}`)), timeoutMs);
        const check = () => {
          if (re.test(tail)) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        check();
      });
    },
    cpuMs: () => cpuMs(child.pid!),
    cpuByThreadMs: () => cpuByThreadMs(child.pid!),
    rssMiB: () => rssMiB(child.pid!),
    minorFaults: () => minorFaults(child.pid!),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Makes the program's code caches as the image's build does (Dockerfile): one `start` with the
 * plugins production runs (the Convex backend at an address where nothing listens), stopped once
 * it wrote its cache (bin/load-program.js: when every plugin has started), then each of `commands`
 * once (a command writes its cache when it exits). Later runtimes and commands of the run read them.
 */
export async function warmCodeCaches(mode: RunMode, commands: string[][]): Promise<void> {
  const base = process.env.NODE_COMPILE_CACHE ?? path.join(tmpdir(), 'node-compile-cache');
  const hasStartCache = () => {
    try {
      return readdirSync(base)
        .filter((d) => d.startsWith('mc-runtime-'))
        .some((d) => readdirSync(path.join(base, d)).some((name) => name.includes('-start.')));
    } catch {
      return false;
    }
  };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mc-bench-warm-'));
  try {
    const port = await freePort();
    const env = { RUNTIME_DATA_DIR: dataDir, HEALTH_PORT: String(port), CONVEX_URL: 'http://127.0.0.1:9', ACCOUNT_ID: 'warmup', SERVICE_TOKEN: 'mc_service_warmup_0' };
    const rt = startRuntime(env, mode);
    try {
      const deadline = Date.now() + 120_000;
      while (!hasStartCache()) {
        if (Date.now() > deadline || rt.child.exitCode !== null) throw new Error(`bench: the warm-up start wrote no code cache; output:\n${rt.tail().slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await rt.stop();
    }
    // The `local` commands need the embedded backend's account.
    cliRun(['local', 'seed'], { RUNTIME_DATA_DIR: dataDir }, mode);
    for (const args of commands) cliRun(args, { RUNTIME_DATA_DIR: dataDir }, mode);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Polls `url` until it answers 200; returns ms since `since`. */
/**
 * Status of one GET through node:http, loaded with this module: a probe that loads its HTTP client
 * (undici, for fetch) while the runtime starts takes CPU from it on a 2-core machine.
 */
function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function firstOk(url: string, rt: Pick<RuntimeProcess, 'startedAt' | 'child' | 'tail'>, timeoutMs = 180_000): Promise<number> {
  const since = rt.startedAt;
  for (;;) {
    try {
      if ((await getStatus(url, 500)) === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    // A runtime that exited (a port taken, a bad config) never answers: say so now, with its output.
    if (rt.child.exitCode !== null || rt.child.signalCode !== null) {
      throw new Error(`the runtime exited (${rt.child.exitCode ?? rt.child.signalCode}) before ${url} answered; output:\n${rt.tail().slice(-4000)}`);
    }
    if (performance.now() - since > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * One CLI command, spawn to exit: wall time and the CPU (user+sys) the process
 * used, in ms. CPU is what a shared, noisy machine distorts least. bash's
 * `times` reports the children's CPU after the command.
 */
export function cliRun(args: string[], env: Record<string, string>, mode: RunMode): { wallMs: number; cpuMs: number } {
  const t0 = performance.now();
  const quoted = [NODE, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  // stderr goes to a file in the OS temp dir (shown only when the command fails).
  const errFile = path.join(tmpdir(), `.mc-bench-cli-err-${process.pid}`).replaceAll("'", '');
  const r = spawnSync('bash', ['-c', `${quoted} >/dev/null 2>'${errFile}' || { cat '${errFile}' >&2; exit 1; }; rm -f '${errFile}'; times`], {
    cwd: REPO_ROOT,
    env: { ...childEnv(env), ...modeEnv(mode) },
    encoding: 'utf8',
    timeout: 180_000,
    // No stdin, as from a terminal nobody types into. With a pipe on stdin and no SHLVL in the
    // environment, node under `bash -c` burnt ~0.6 s of CPU (user and sys alike) before running any
    // of our code: the figure was the harness's, not the command's.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`mc-runtime ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  // `times`: line 2 is the children's "XmY.YYYs XmY.YYYs" (user, sys).
  const secs = (t: string) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  const [user, sys] = (r.stdout.trim().split('\n')[1] ?? '').split(/\s+/).map(secs);
  return { wallMs, cpuMs: (user + sys) * 1000 };
}
