/** Small statistics for the benchmark: percentiles, medians, a least-squares slope, the ideal pool. */

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]): number => percentile(values, 50);

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? NaN : num / den;
}

/** One unit of gateway work for the ideal pool: its session (what the runtime serialises) and duration. */
export interface IdealJob {
  session: string;
  ms: number;
}

/**
 * Makespan (ms) of an ideal work-conserving pool of `slots` sessions with zero
 * runtime and backend cost, under the runtime's own contract
 * (plugins/delivery/sessions.ts, docs/delivery.md):
 *
 * - the unit that runs one turn at a time is the **session**: the backend's
 *   delivery session key, one per (task, agent) — not the agent. An agent with
 *   assignments on ten tasks has ten sessions and may run them in parallel;
 *   items of one session run in order;
 * - notifications are taken **oldest first** (the list's order), so `jobs` is in
 *   creation order and a free slot takes the oldest job whose session is idle.
 *
 * Every job is known at t=0 (pickup is measured on its own). An earlier model
 * ran one turn per *agent* at a time, which the runtime does not do: with 2 of
 * 20 agents taking 2 s it made their 10 turns each a 20 s critical path (ideal
 * 10/s) and the runtime measured "2.16 of ideal". The best possible order
 * (longest first) would be a lower bound a little below this one (7.6 s instead
 * of 8.4 s in the "slow" scenario); the runtime's contract does not reorder.
 */
export function idealMakespanMs(jobs: IdealJob[], slots: number): number {
  const slotFree: number[] = Array.from({ length: slots }, () => 0);
  const sessionFree = new Map<string, number>();
  const pending = [...jobs];
  let end = 0;
  while (pending.length > 0) {
    const t = Math.min(...slotFree);
    const slot = slotFree.indexOf(t);
    // The oldest job whose session is idle at t; when every waiting session is busy, the one that frees first.
    let pick = pending.findIndex((j) => (sessionFree.get(j.session) ?? 0) <= t);
    let start = t;
    if (pick < 0) {
      start = Infinity;
      pending.forEach((j, i) => {
        const free = sessionFree.get(j.session) ?? 0;
        if (free < start) [start, pick] = [free, i];
      });
    }
    const [job] = pending.splice(pick, 1);
    const done = start + job.ms;
    slotFree[slot] = done;
    sessionFree.set(job.session, done);
    end = Math.max(end, done);
  }
  return end;
}
