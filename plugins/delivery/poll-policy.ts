/**
 * When to list undelivered notifications again (docs/delivery.md, "Polling").
 *
 * Every list is a billed backend call for every account of a fleet, so the
 * loop polls at once only when there may be more work (the last page was full,
 * or capacity freed while a full page's rest waits) and otherwise on a
 * schedule: a fixed interval when `intervalMs` (DELIVERY_INTERVAL) is set;
 * else adaptive — `activeIntervalMs` while the account is active (a
 * notification seen within `activeWindowMs`), stretching geometrically to
 * `idleIntervalMs` by `idleAfterMs` without work.
 */
export interface PollPolicyOptions {
  /** Pinned interval; undefined = adaptive. */
  intervalMs?: number;
  activeIntervalMs: number;
  idleIntervalMs: number;
  activeWindowMs: number;
  idleAfterMs: number;
}

export const ADAPTIVE_DEFAULTS = {
  activeIntervalMs: 1_000,
  // After 10 idle minutes the whole runtime stays under 0.1 backend calls/s: lists every 30 s
  // (0.033/s), status reports every 30 s (0.033/s), restart/upgrade checks (0.022/s).
  idleIntervalMs: 30_000,
  activeWindowMs: 3 * 60_000,
  idleAfterMs: 10 * 60_000,
} as const;

export class PollPolicy {
  readonly #o: PollPolicyOptions;
  #lastWorkAt: number;

  constructor(options: PollPolicyOptions, now: number) {
    this.#o = options;
    // A fresh start counts as active: work left by the previous process is picked up quickly.
    this.#lastWorkAt = now;
  }

  /** A poll saw undelivered notifications. */
  sawWork(now: number): void {
    this.#lastWorkAt = now;
  }

  /** The delay before the next scheduled poll. */
  interval(now: number): number {
    const o = this.#o;
    if (o.intervalMs !== undefined) return o.intervalMs;
    const idle = now - this.#lastWorkAt;
    if (idle <= o.activeWindowMs) return o.activeIntervalMs;
    if (idle >= o.idleAfterMs) return o.idleIntervalMs;
    // Geometric ramp between the active and the idle interval.
    const share = (idle - o.activeWindowMs) / (o.idleAfterMs - o.activeWindowMs);
    return Math.round(o.activeIntervalMs * (o.idleIntervalMs / o.activeIntervalMs) ** share);
  }
}
