/**
 * The benchmark scenarios. Each starts `mc-runtime start` (config/default.json,
 * the Convex adapter against the wire server, logging at info) as a child
 * process and measures it from outside.
 */
import { writeFileSync } from 'node:fs';
import { freePort } from '../tests/support/free-port.ts';
import { createWorld, type World } from './lib/world.ts';
import { cliRun, cpuByThreadSince, firstOk, startRuntime, type RunMode, type RuntimeProcess } from './lib/runtime-process.ts';
import { idealMakespanMs, median, percentile, slope } from './lib/stats.ts';
import { monotonicUs, printProfile, profileOf, summariseProfile } from './lib/cpu-profile.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_SESSIONS = 10;

async function until(what: string, fn: () => boolean, timeoutMs: number, everyMs = 25, onTick?: () => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!fn()) {
    onTick?.();
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function started(world: World, mode: RunMode, extra: Record<string, string>): Promise<{ rt: RuntimeProcess; port: number }> {
  const port = await freePort();
  const rt = startRuntime(world.env({ HEALTH_PORT: String(port), ...extra }), mode);
  await firstOk(`http://127.0.0.1:${port}/livez`, rt);
  await rt.waitFor(/"msg":"runtime started"/);
  return { rt, port };
}

export interface BurstFigures {
  /** Assignments created (the work whose throughput is measured). */
  notifications: number;
  /** Agent notifications delivered in the burst: the assignments plus the orchestrator's thread updates. */
  deliveredAll: number;
  wallS: number;
  perS: number;
  idealPerS: number;
  ofIdeal: number;
  cpuMsPerNotification: number;
  /** The same by thread: main (JavaScript), v8 (GC and compiler workers), libuv (thread pool). */
  cpuMsPerNotificationByThread: Record<string, number>;
  /** Minor page faults of the runtime over the burst, per notification: memory touched for the first time. */
  minorFaultsPerNotification: number;
  /**
   * The same, for an identical second burst one second after the first, in the same process: a
   * long-running runtime's cost once V8 has compiled and optimised the delivery path (the first
   * burst pays that warm-up). Absent when the scenario ran without it (`warm: false`).
   */
  cpuMsPerNotificationWarm?: number;
  backendCallsPerNotification: number;
  listPolls: number;
  benchCpuShare: number;
  idleRssMiB: number;
  peakRssMiB: number;
}

/**
 * 20 agents × `perAgent` assignments created at once while the runtime idles.
 * Throughput counts from the first gateway request to the last delivery
 * (pickup is measured on its own); CPU and backend calls over the whole burst.
 */
export async function burst(mode: RunMode, opts: { agents: number; perAgent: number; delayMs: (slug: string) => number; warm?: boolean }): Promise<BurstFigures> {
  const world = await createWorld({ agents: opts.agents, delayMs: opts.delayMs });
  const { rt } = await started(world, mode, { HEARTBEAT_ENABLED: 'false' });
  /** [start µs, end µs, delivered] of the burst, for BENCH_CPU_PROF. */
  const profileWindow = [0, 0, 0];
  const warmWindow = [0, 0, 0];
  try {
    await sleep(3000);
    const idleRssMiB = rt.rssMiB();
    const slugs = Array.from({ length: opts.perAgent }, () => world.slugs).flat();
    const cpu0 = rt.cpuMs();
    const faults0 = rt.minorFaults();
    const threads0 = rt.cpuByThreadMs();
    const calls0 = world.backendCalls();
    const bench0 = process.cpuUsage();
    const hits0 = world.hits.length;
    const t0 = performance.now();
    profileWindow[0] = monotonicUs();
    const delivered0 = world.delivered();
    world.assign(slugs);
    const target = world.undeliveredAssignments();
    let peak = idleRssMiB;
    const done = () => world.undeliveredAssignments() === 0 && world.undelivered() === 0;
    await until('the burst to be delivered', done, 600_000, 50, () => (peak = Math.max(peak, rt.rssMiB())));
    const deliveredAll = world.delivered() - delivered0;
    profileWindow[1] = monotonicUs();
    profileWindow[2] = deliveredAll;
    const tEnd = Date.now();
    const wallMs = performance.now() - t0;
    const cpu = rt.cpuMs() - cpu0;
    const faults = rt.minorFaults() - faults0;
    const cpuMsPerNotificationByThread = cpuByThreadSince(threads0, rt.cpuByThreadMs(), Math.max(1, deliveredAll));
    const calls = world.backendCalls();
    const bench = process.cpuUsage(bench0);
    const firstHit = world.hits[hits0]?.at ?? tEnd;
    let cpuMsPerNotificationWarm: number | undefined;
    if (opts.warm) {
      await sleep(1000);
      const warm0 = rt.cpuMs();
      const warmDelivered0 = world.delivered();
      warmWindow[0] = monotonicUs();
      world.assign(slugs);
      await until('the second burst to be delivered', done, 600_000, 50, () => (peak = Math.max(peak, rt.rssMiB())));
      warmWindow[1] = monotonicUs();
      warmWindow[2] = world.delivered() - warmDelivered0;
      cpuMsPerNotificationWarm = (rt.cpuMs() - warm0) / Math.max(1, warmWindow[2]);
    }
    const workS = (tEnd - firstHit) / 1000;
    // Each assignment is a task of its own, so a session of its own (task:{id}:agent:{slug}), in creation order.
    const jobs = slugs.map((slug, i) => ({ session: `task ${i} of ${slug}`, ms: opts.delayMs(slug) }));
    const idealPerS = target / (idealMakespanMs(jobs, MAX_SESSIONS) / 1000);
    const perS = target / workS;
    return {
      notifications: target,
      deliveredAll,
      wallS: wallMs / 1000,
      perS,
      idealPerS,
      ofIdeal: perS / idealPerS,
      cpuMsPerNotification: cpu / deliveredAll,
      cpuMsPerNotificationByThread,
      minorFaultsPerNotification: faults / deliveredAll,
      cpuMsPerNotificationWarm,
      backendCallsPerNotification: (calls.total - calls0.total) / deliveredAll,
      listPolls: calls.listPolls - calls0.listPolls,
      benchCpuShare: (bench.user + bench.system) / 1000 / wallMs,
      idleRssMiB,
      peakRssMiB: peak,
    };
  } finally {
    await rt.stop();
    await world.close();
    const dir = process.env.BENCH_CPU_PROF;
    const file = dir && profileWindow[2] > 0 ? profileOf(dir, rt.pid) : undefined;
    if (file) {
      const warm = warmWindow[2] > 0 ? { warm: { fromUs: warmWindow[0], toUs: warmWindow[1], delivered: warmWindow[2] } } : {};
      writeFileSync(`${file}.window.json`, JSON.stringify({ fromUs: profileWindow[0], toUs: profileWindow[1], delivered: profileWindow[2], ...warm }));
      printProfile(`CPU profile of the burst (${file})`, summariseProfile(file, profileWindow[0], profileWindow[1]), profileWindow[2]);
      if (warmWindow[2] > 0) printProfile('the same, the identical second burst (warm)', summariseProfile(file, warmWindow[0], warmWindow[1]), warmWindow[2]);
    }
  }
}

/** A backlog of `total` notifications waiting at start: RSS against delivered count while it drains. */
export async function backlog(mode: RunMode, total: number): Promise<{ notifications: number; wallS: number; slopeMiBPer1k: number; startRssMiB: number; endRssMiB: number; peakRssMiB: number }> {
  const agents = 20;
  const world = await createWorld({ agents, delayMs: () => 0 });
  world.assign(Array.from({ length: Math.ceil(total / agents) }, () => world.slugs).flat());
  const target = world.undeliveredAssignments();
  const t0 = performance.now();
  const { rt } = await started(world, mode, { HEARTBEAT_ENABLED: 'false', DELIVERY_LIST_LIMIT: '100' });
  try {
    const samples: Array<[number, number]> = [];
    let peak = 0;
    await until('the backlog to drain', () => world.undeliveredAssignments() === 0 && world.undelivered() === 0, 3_600_000, 500, () => {
      const rss = rt.rssMiB();
      peak = Math.max(peak, rss);
      samples.push([world.delivered(), rss]);
    });
    // Flat memory: the slope after warm-up (the first 20% delivered) should be ~0.
    const steady = samples.filter(([d]) => d >= target * 0.2);
    return {
      notifications: target,
      wallS: (performance.now() - t0) / 1000,
      slopeMiBPer1k: slope(steady) * 1000,
      startRssMiB: steady[0]?.[1] ?? NaN,
      endRssMiB: samples.at(-1)?.[1] ?? NaN,
      peakRssMiB: peak,
    };
  } finally {
    await rt.stop();
    await world.close();
  }
}

/** Start → first /livez 200, and idle RSS 5 s after start (median of `runs`). */
export async function startup(mode: RunMode, runs: number): Promise<{ livezMs: number; livezMsRuns: number[]; livezCpuMs: number; idleRssMiB: number }> {
  const world = await createWorld({ agents: 3, delayMs: () => 50 });
  const livez: number[] = [];
  const cpu: number[] = [];
  const rss: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const port = await freePort();
      const rt = startRuntime(world.env({ HEALTH_PORT: String(port) }), mode);
      try {
        livez.push(await firstOk(`http://127.0.0.1:${port}/livez`, rt));
        cpu.push(rt.cpuMs());
        await rt.waitFor(/"msg":"runtime started"/);
        await sleep(5000);
        rss.push(rt.rssMiB());
      } finally {
        await rt.stop();
      }
    }
  } finally {
    await world.close();
  }
  return { livezMs: median(livez), livezMsRuns: livez.map(Math.round), livezCpuMs: median(cpu), idleRssMiB: median(rss) };
}

/** The operator commands the `cli` scenario times. */
export const CLI_COMMANDS = [['version'], ['local', 'tasks'], ['deliveries', 'stats'], ['check-config']];

/** Wall time of operator commands, spawn to exit (median of `runs`). */
export async function cli(mode: RunMode, runs: number): Promise<Record<string, { wallMs: number; cpuMs: number }>> {
  const world = await createWorld({ agents: 3, delayMs: () => 50 });
  try {
    const local = { RUNTIME_DATA_DIR: world.dir };
    cliRun(['local', 'seed'], local, mode);
    const out: Record<string, { wallMs: number; cpuMs: number }> = {};
    for (const args of CLI_COMMANDS) {
      const samples = Array.from({ length: runs }, () => cliRun(args, local, mode));
      out[args.join(' ')] = { wallMs: median(samples.map((x) => x.wallMs)), cpuMs: median(samples.map((x) => x.cpuMs)) };
    }
    return out;
  } finally {
    await world.close();
  }
}

/**
 * Pickup with the default config (heartbeats on, default delivery options):
 * one assignment every 2–4 s, creation → first gateway request for it; then
 * backend calls per second over a window that starts `afterS` after the last delivery.
 */
export async function pickup(
  mode: RunMode,
  count: number,
  idle: { afterS: number; windowS: number },
): Promise<{
  p50Ms: number;
  p90Ms: number;
  samples: number;
  idleCallsPerS: number;
  idleAfterS: number;
  idleWindowS: number;
  idleCpuMsPerS: number;
  idleCpuMsPerSByThread: Record<string, number>;
}> {
  const world = await createWorld({ agents: 20, delayMs: () => 200 });
  const { rt } = await started(world, mode, {});
  try {
    await sleep(2000);
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const slug = world.slugs[i % world.slugs.length];
      const before = world.hits.length;
      const at = world.assign([slug]);
      await until(`pickup of assignment ${i}`, () => world.hits.slice(before).some((h) => h.agentId === slug), 120_000, 10);
      latencies.push(world.hits.slice(before).find((h) => h.agentId === slug)!.at - at);
      await sleep(2000 + ((i * 7919) % 2000));
    }
    await until('the last delivery', () => world.undelivered() === 0, 60_000);
    await sleep(idle.afterS * 1000);
    const calls0 = world.backendCalls().total;
    const cpu0 = rt.cpuMs();
    const threads0 = rt.cpuByThreadMs();
    await sleep(idle.windowS * 1000);
    const idleCalls = world.backendCalls().total - calls0;
    // What an idle account costs a fleet in CPU besides its backend calls (timers, polls, GC).
    const idleCpuMsPerS = (rt.cpuMs() - cpu0) / idle.windowS;
    const idleCpuMsPerSByThread = cpuByThreadSince(threads0, rt.cpuByThreadMs(), idle.windowS);
    return {
      p50Ms: percentile(latencies, 50),
      p90Ms: percentile(latencies, 90),
      samples: latencies.length,
      idleCallsPerS: idleCalls / idle.windowS,
      idleAfterS: idle.afterS,
      idleWindowS: idle.windowS,
      idleCpuMsPerS,
      idleCpuMsPerSByThread,
    };
  } finally {
    await rt.stop();
    await world.close();
  }
}
