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

/**
 * Makespan (ms) of an ideal work-conserving pool of `slots` sessions with zero
 * runtime and backend cost: every job is known at t=0, an agent runs one turn
 * at a time, and a free slot always takes the idle agent with the most work left.
 */
export function idealMakespanMs(jobsByAgent: number[][], slots: number): number {
  const queues = jobsByAgent.map((jobs) => [...jobs]);
  const remaining = queues.map((q) => q.reduce((a, b) => a + b, 0));
  const busyUntil = queues.map(() => 0);
  const slotFree: number[] = Array.from({ length: slots }, () => 0);
  let end = 0;
  for (;;) {
    const t = Math.min(...slotFree);
    const slot = slotFree.indexOf(t);
    let pick = -1;
    let readyAt = Infinity;
    // The agent that can start earliest (at or after t), preferring the most remaining work.
    for (let a = 0; a < queues.length; a++) {
      if (queues[a].length === 0) continue;
      const start = Math.max(t, busyUntil[a]);
      if (start < readyAt || (start === readyAt && remaining[a] > remaining[pick])) {
        readyAt = start;
        pick = a;
      }
    }
    if (pick < 0) return end;
    const d = queues[pick].shift()!;
    remaining[pick] -= d;
    busyUntil[pick] = readyAt + d;
    slotFree[slot] = readyAt + d;
    end = Math.max(end, readyAt + d);
  }
}
