/**
 * `npm run bench`: the runtime as a real process (`mc-runtime start` with
 * config/default.json, logging at info) against the Convex wire server
 * (tests/support, so backend calls are real HTTP and counted) and the scripted
 * gateway. Prints a table and one JSON line. Asserts nothing; see
 * docs/performance.md for the figures of one machine and how to read them.
 *
 * Knobs (environment): BENCH_ONLY=burst,slow,backlog,startup,cli,pickup,image
 * BENCH_BACKLOG (10000) BENCH_PICKUP_N (10) BENCH_IDLE_AFTER_S (0; 600 for the
 * "after 10 idle minutes" figure) BENCH_IDLE_S (60) BENCH_RUNS (3)
 * BENCH_MODE=compiled|sources (default: compiled when dist/ is fresh, as `npm start` runs).
 * BENCH_IMAGE (the `image` scenario: an image to measure instead of building the checkout's).
 * BENCH_CPU_PROF=<dir>: the runtime writes a V8 CPU profile there; the burst scenarios print where
 * their CPU went per notification (bench/lib/cpu-profile.ts). BENCH_NODE_ARGS="--flag …": extra Node
 * flags for the runtime. BENCH_COMPILE_CACHE=<dir>: V8's compile cache for every process of the run
 * (default: a fresh one, made by `check-config` as the image's build makes its own).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distIsFresh } from '../scripts/dist-freshness.mjs';
import { warmCodeCaches, type RunMode } from './lib/runtime-process.ts';
import { backlog, burst, cli, CLI_COMMANDS, pickup, startup } from './scenarios.ts';
import { dockerAvailable, image } from './image.ts';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const want = (name: string) => !only || only.has(name);
const mode: RunMode = (process.env.BENCH_MODE as RunMode | undefined) ?? (distIsFresh() ? 'compiled' : 'sources');
const otherMode: RunMode = mode === 'compiled' ? 'sources' : 'compiled';
const runs = num('BENCH_RUNS', 3);

// The program's code cache holds what the process that wrote it had compiled, and later processes
// only read it (bin/load-program.js): start-up, CPU per notification and idle RSS depend on which
// process that was. The bench makes its own, as the image's build does (one `start`, then each
// command it times), and every runtime and command of the run reads them
// (BENCH_COMPILE_CACHE=<dir> keeps them instead).
const cacheDir = process.env.BENCH_COMPILE_CACHE ?? mkdtempSync(path.join(os.tmpdir(), 'mc-bench-compile-cache-'));
process.env.NODE_COMPILE_CACHE = cacheDir;
if (!process.env.BENCH_COMPILE_CACHE) process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
if (distIsFresh()) await warmCodeCaches('compiled', CLI_COMMANDS);

const figures: Record<string, unknown> = {
  node: process.version,
  cpus: os.cpus().length,
  loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
  mode,
  at: new Date().toISOString(),
};
const rows: Array<[string, string, string]> = [];
const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const row = (figure: string, value: string, target = '') => {
  rows.push([figure, value, target]);
  console.error(`  ${figure}: ${value}`);
};

if (want('burst')) {
  console.error('burst: 20 agents x 10 assignments, gateway 200 ms');
  const b = await burst(mode, { agents: 20, perAgent: 10, delayMs: () => 200, warm: true });
  figures.burst = b;
  row('throughput, gateway 200 ms', `${fmt(b.perS)}/s (${fmt(b.ofIdeal, 2)} of ideal ${fmt(b.idealPerS)}/s)`, '>= 0.8 of ideal');
  const byThread = Object.entries(b.cpuMsPerNotificationByThread).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
  row('runtime CPU per delivered notification', `${fmt(b.cpuMsPerNotification, 2)} ms (${b.deliveredAll} delivered; by thread: ${byThread})`, '<= 3 ms');
  row('  the same, an identical second burst (warm JIT)', `${fmt(b.cpuMsPerNotificationWarm ?? NaN, 2)} ms`, '');
  row('  minor page faults per notification, first burst', fmt(b.minorFaultsPerNotification, 1), '');
  row('backend calls per notification', `${fmt(b.backendCallsPerNotification, 2)} (${b.listPolls} list polls for ${b.deliveredAll})`, '<= 5.1');
  row('bench process (backend + gateway) CPU share', fmt(b.benchCpuShare, 2));
  row('idle / peak RSS (burst of 200)', `${fmt(b.idleRssMiB, 0)} / ${fmt(b.peakRssMiB, 0)} MiB`, '<= 80 / 120 MiB');
}
if (want('slow')) {
  console.error('slow: 20 agents x 10 assignments, 2 agents take 2 s');
  const s = await burst(mode, { agents: 20, perAgent: 10, delayMs: (slug) => (slug === 'worker-0' || slug === 'worker-1' ? 2000 : 200) });
  figures.slow = s;
  row('throughput, 2 of 20 agents take 2 s', `${fmt(s.perS)}/s (${fmt(s.ofIdeal, 2)} of ideal ${fmt(s.idealPerS)}/s)`, '>= 0.8 of ideal');
}
if (want('backlog')) {
  const n = num('BENCH_BACKLOG', 10_000);
  console.error(`backlog: ${n} notifications waiting at start, gateway 0 ms`);
  const b = await backlog(mode, n);
  figures.backlog = b;
  row(`${b.notifications}-notification backlog drain`, `${fmt(b.wallS)} s, RSS slope ${fmt(b.slopeMiBPer1k, 2)} MiB per 1000 (start ${fmt(b.startRssMiB, 0)}, end ${fmt(b.endRssMiB, 0)}, peak ${fmt(b.peakRssMiB, 0)} MiB)`, 'flat');
}
if (want('startup')) {
  for (const m of [mode, otherMode]) {
    if (m === 'compiled' && !distIsFresh()) continue;
    console.error(`startup (${m}): ${runs} runs`);
    const s = await startup(m, runs);
    figures[`startup_${m}`] = s;
    row(`start -> /livez 200 (${m})`, `${fmt(s.livezMs, 0)} ms wall, ${fmt(s.livezCpuMs, 0)} ms CPU (runs ${s.livezMsRuns.join(', ')})`, '<= 300 ms');
    row(`idle RSS 5 s after start (${m})`, `${fmt(s.idleRssMiB, 0)} MiB`, '<= 80 MiB');
  }
}
if (want('cli')) {
  for (const m of [mode, otherMode]) {
    if (m === 'compiled' && !distIsFresh()) continue;
    console.error(`cli (${m}): ${runs} runs each`);
    const c = await cli(m, runs);
    figures[`cli_${m}`] = c;
    for (const [cmd, t] of Object.entries(c)) row(`mc-runtime ${cmd} (${m})`, `${fmt(t.wallMs, 0)} ms wall, ${fmt(t.cpuMs, 0)} ms CPU`, cmd === 'local tasks' || cmd === 'deliveries stats' ? '<= 300 ms' : '');
  }
}
if (want('image')) {
  const missing = dockerAvailable();
  if (missing) {
    console.error(`image: skipped, ${missing}`);
    if (only) row('container image', `not measured: ${missing}`);
  } else {
    console.error(`image: start-up and idle RSS inside the container image, ${runs} runs`);
    const i = image(runs);
    figures.image = i;
    row(`start -> /livez 200 (image)`, `${fmt(i.livezMs, 0)} ms wall (runs ${i.livezMsRuns.join(', ')})`, '<= 300 ms');
    row(`idle RSS 5 s after start (image)`, `${fmt(i.idleRssMiB, 0)} MiB`, '<= 80 MiB');
  }
}
if (want('pickup')) {
  const n = num('BENCH_PICKUP_N', 10);
  const idle = { afterS: num('BENCH_IDLE_AFTER_S', 0), windowS: num('BENCH_IDLE_S', 60) };
  console.error(`pickup: ${n} assignments every 2-4 s (default config), then idle calls over ${idle.windowS} s from ${idle.afterS} s after the last`);
  const p = await pickup(mode, n, idle);
  figures.pickup = p;
  row('pickup (creation -> first gateway request)', `p50 ${fmt(p.p50Ms / 1000, 2)} s, p90 ${fmt(p.p90Ms / 1000, 2)} s (${p.samples})`, 'p50 <= 1 s');
  row(`backend calls/s idle (${p.idleWindowS} s window, ${p.idleAfterS} s after the last delivery)`, fmt(p.idleCallsPerS, 3), '<= 0.1 after 10 idle min');
  row('  runtime CPU while idle (same window)', `${fmt(p.idleCpuMsPerS, 2)} ms/s (by thread: ${Object.entries(p.idleCpuMsPerSByThread).map(([k, v]) => `${k} ${v}`).join(', ')})`, '');
}

const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
console.log(`\nMission Control runtime bench — node ${process.version}, ${os.cpus().length} cpus, load ${figures.loadavg as number[]}, runtime ${mode}`);
console.log(`${'figure'.padEnd(w[0])} | ${'measured'.padEnd(w[1])} | target`);
console.log(`${'-'.repeat(w[0])}-|-${'-'.repeat(w[1])}-|-------`);
for (const [f, v, t] of rows) console.log(`${f.padEnd(w[0])} | ${v.padEnd(w[1])} | ${t}`);
console.log(JSON.stringify(figures));
