import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatScheduler } from './scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records runs; a run lasts `runMs` so tests can act while one is in flight. */
function recorder(runMs: number) {
  const starts: Array<{ agentId: string; at: number }> = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  return {
    starts,
    get maxConcurrent() {
      return maxConcurrent;
    },
    async run(agentId: string) {
      starts.push({ agentId, at: Date.now() });
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await sleep(runMs);
      concurrent--;
    },
  };
}

let scheduler: HeartbeatScheduler | undefined;
afterEach(async () => {
  await scheduler?.stop(Date.now() + 1000);
  scheduler = undefined;
});

describe('HeartbeatScheduler', () => {
  it('runs each agent periodically, the next run armed only after the previous one ends', async () => {
    const rec = recorder(30);
    scheduler = new HeartbeatScheduler({ run: (id) => rec.run(id), jitterMs: 0, random: () => 0 });
    scheduler.sync([{ agentId: 'a', intervalMs: 40 }], true);
    await sleep(330);
    const runs = rec.starts.filter((s) => s.agentId === 'a');
    // Period is run (30) + interval (40): about 4–5 runs in 330 ms, never overlapping.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(6);
    expect(rec.maxConcurrent).toBe(1);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.at - runs[i - 1]!.at).toBeGreaterThanOrEqual(65);
  });

  it('does not start a second chain when the interval changes while a run is in flight', async () => {
    const rec = recorder(120);
    scheduler = new HeartbeatScheduler({ run: (id) => rec.run(id), jitterMs: 0, random: () => 0 });
    scheduler.sync([{ agentId: 'a', intervalMs: 50 }], true);
    await sleep(30); // first run in flight
    expect(scheduler.runningCount).toBe(1);
    scheduler.sync([{ agentId: 'a', intervalMs: 20 }]);
    scheduler.sync([{ agentId: 'a', intervalMs: 30 }]);
    await sleep(500);
    expect(rec.maxConcurrent).toBe(1);
    const runs = rec.starts;
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.at - runs[i - 1]!.at).toBeGreaterThanOrEqual(145);
    expect(scheduler.snapshot()).toEqual([expect.objectContaining({ agentId: 'a', intervalMs: 30 })]);
  });

  it('removing and re-adding an agent mid-run keeps a single chain', async () => {
    const rec = recorder(100);
    scheduler = new HeartbeatScheduler({ run: (id) => rec.run(id), jitterMs: 0, random: () => 0 });
    scheduler.sync([{ agentId: 'a', intervalMs: 30 }], true);
    await sleep(20);
    scheduler.sync([]);
    scheduler.sync([{ agentId: 'a', intervalMs: 30 }]);
    await sleep(400);
    expect(rec.maxConcurrent).toBe(1);
  });

  it('stops running a removed agent and keeps the others', async () => {
    const rec = recorder(5);
    scheduler = new HeartbeatScheduler({ run: (id) => rec.run(id), jitterMs: 0, random: () => 0 });
    scheduler.sync([{ agentId: 'a', intervalMs: 30 }, { agentId: 'b', intervalMs: 30 }], true);
    await sleep(100);
    scheduler.sync([{ agentId: 'b', intervalMs: 30 }]);
    await sleep(20); // let a run that was already in flight finish
    const aRuns = rec.starts.filter((s) => s.agentId === 'a').length;
    const bRuns = rec.starts.filter((s) => s.agentId === 'b').length;
    await sleep(200);
    expect(rec.starts.filter((s) => s.agentId === 'a').length).toBe(aRuns);
    expect(rec.starts.filter((s) => s.agentId === 'b').length).toBeGreaterThan(bRuns);
    expect(scheduler.snapshot().map((s) => s.agentId)).toEqual(['b']);
  });

  it('staggers first runs of several agents at boot', async () => {
    const rec = recorder(1);
    scheduler = new HeartbeatScheduler({ run: (id) => rec.run(id), jitterMs: 0, random: () => 0 });
    // Window = min(0.4 × 1000, 120 000) = 400 ms over 4 agents: 0, 100, 200, 300 ms.
    scheduler.sync(['a', 'b', 'c', 'd'].map((agentId) => ({ agentId, intervalMs: 1000 })), true);
    await sleep(50);
    expect(rec.starts.map((s) => s.agentId)).toEqual(['a']);
    await sleep(300);
    expect(rec.starts.map((s) => s.agentId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a failing run is reported and the chain continues', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    scheduler = new HeartbeatScheduler({
      run: async () => {
        calls++;
        throw new Error('boom');
      },
      onError: (_id, err) => errors.push(err),
      jitterMs: 0,
    });
    scheduler.sync([{ agentId: 'a', intervalMs: 20 }], true);
    await sleep(150);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBe(calls);
  });

  it('stop clears timers and waits for the in-flight run', async () => {
    const rec = recorder(80);
    let finished = 0;
    scheduler = new HeartbeatScheduler({
      run: async (id) => {
        await rec.run(id);
        finished++;
      },
      jitterMs: 0,
      random: () => 0,
    });
    scheduler.sync([{ agentId: 'a', intervalMs: 10 }], true);
    await sleep(20);
    await scheduler.stop(Date.now() + 2000);
    expect(finished).toBe(1);
    await sleep(100);
    expect(rec.starts.length).toBe(1);
  });

  it('stop aborts a run that outlives the deadline', async () => {
    let aborted = false;
    scheduler = new HeartbeatScheduler({
      run: (_id, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
      jitterMs: 0,
    });
    scheduler.sync([{ agentId: 'a', intervalMs: 10 }], true);
    await sleep(20);
    await scheduler.stop(Date.now() + 50);
    expect(aborted).toBe(true);
  });
});

describe('HeartbeatScheduler with a fake clock', () => {
  const MINUTE = 60_000;
  const DAY = 24 * 60 * MINUTE;
  afterEach(() => {
    vi.useRealTimers();
  });

  function counting() {
    const runs: Array<{ agentId: string; at: number }> = [];
    return { runs, run: async (agentId: string) => void runs.push({ agentId, at: Date.now() }), of: (id: string) => runs.filter((r) => r.agentId === id).map((r) => r.at) };
  }

  it('an interval over ~24.8 days (the timer limit) waits the whole interval instead of looping every 1 ms', async () => {
    vi.useFakeTimers({ now: 0 });
    const rec = counting();
    scheduler = new HeartbeatScheduler({ run: rec.run, jitterMs: 0, random: () => 0 });
    scheduler.sync([{ agentId: 'a', intervalMs: 40 * DAY }], true);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(rec.of('a')).toEqual([0]); // the first run only
    expect(scheduler.snapshot()[0]!.nextAt).toBe(40 * DAY);
    await vi.advanceTimersByTimeAsync(40 * DAY - 10 * MINUTE - 1);
    expect(rec.of('a')).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.of('a')).toEqual([0, 40 * DAY]);
  });

  it('resumes from each agent’s last heartbeat; agents never seen (or overdue) get the staggered first run', async () => {
    const T = 1_800_000_000_000;
    vi.useFakeTimers({ now: T });
    const rec = counting();
    scheduler = new HeartbeatScheduler({ run: rec.run, jitterMs: 0, random: () => 0 });
    scheduler.sync(
      [
        { agentId: 'recent', intervalMs: 60 * MINUTE, lastRunAt: T - 10 * MINUTE },
        { agentId: 'never', intervalMs: 60 * MINUTE },
        { agentId: 'overdue', intervalMs: 60 * MINUTE, lastRunAt: T - 3 * 60 * MINUTE },
      ],
      true,
    );
    expect(scheduler.snapshot().find((s) => s.agentId === 'recent')!.nextAt).toBe(T + 50 * MINUTE);
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    // Only the two that are due ran, spread over the start-up window.
    expect(rec.runs.map((r) => r.agentId).sort()).toEqual(['never', 'overdue']);
    expect(new Set(rec.runs.map((r) => r.at)).size).toBe(2);
    await vi.advanceTimersByTimeAsync(48 * MINUTE - 1);
    expect(rec.of('recent')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.of('recent')).toEqual([T + 50 * MINUTE]);
  });

  it('an agent that joins later with a recent heartbeat also waits for its interval', async () => {
    const T = 1_800_000_000_000;
    vi.useFakeTimers({ now: T });
    const rec = counting();
    scheduler = new HeartbeatScheduler({ run: rec.run, jitterMs: 0, random: () => 0 });
    scheduler.sync([], true);
    scheduler.sync([{ agentId: 'late', intervalMs: 30 * MINUTE, lastRunAt: T - 5 * MINUTE }]);
    await vi.advanceTimersByTimeAsync(25 * MINUTE - 1);
    expect(rec.runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.of('late')).toEqual([T + 25 * MINUTE]);
  });
});
