/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random,
 * so a retry never comes back almost at once (the original's full jitter could
 * retry after 1 ms) yet retries of many notifications still spread out.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
