/**
 * One heartbeat chain per agent. The next run of an agent is armed only when its
 * previous run has finished, and an agent has at most one entry in the map, so
 * rescheduling mid-run (the original's duplicate-chain bug, original-runtime.md
 * §15.1 #7) only changes the interval the chain uses next. The scheduler knows
 * agent ids and intervals only: the run callback looks the agent up itself, so
 * nothing here can hold a stale agent object.
 */

export interface ScheduledAgent {
  agentId: string;
  intervalMs: number;
  /**
   * When the agent last checked in (epoch ms, the backend's `lastHeartbeat`).
   * Used only when the agent enters the schedule: a restart resumes its chain
   * instead of waking it at once. Unknown or overdue agents get the staggered first run.
   */
  lastRunAt?: number;
}

export interface SchedulerOptions {
  /** One heartbeat for one agent; its rejection is reported to `onError`, never rethrown. */
  run(agentId: string, signal: AbortSignal): Promise<void>;
  /** Random extra delay added to every subsequent run (spreads load). */
  jitterMs: number;
  onError?(agentId: string, err: unknown): void;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
  /** Epoch ms; defaults to Date.now (the kernel passes its clock). */
  now?: () => number;
}

interface Entry {
  agentId: string;
  intervalMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  running: Promise<void> | undefined;
  /** Removed while a run was in flight: the entry goes away when the run ends. */
  removed: boolean;
  nextAt: number | undefined;
}

/** Upper bound of the first-run stagger window (original-runtime.md §9.1). */
const STAGGER_CAP_MS = 120_000;
/** Small random spread for agents that join later, so a burst of additions does not fire at once. */
const JOIN_SPREAD_MS = 2_000;
/**
 * Longest delay one timer can take: Node turns anything above 2^31-1 ms (~24.8
 * days) into 1 ms, which made a long interval a busy loop. Longer waits are
 * chained from several timers.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class HeartbeatScheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #options: SchedulerOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Makes the schedule match `agents`: new agents are armed (staggered when
   * `initial`), known ones get their interval updated, missing ones removed.
   */
  sync(agents: ScheduledAgent[], initial = false): void {
    if (this.#stopped) return;
    const wanted = new Set(agents.map((a) => a.agentId));
    for (const id of [...this.#entries.keys()]) if (!wanted.has(id)) this.remove(id);
    const fresh = agents.filter((a) => !this.#live(a.agentId));
    agents.forEach((a) => {
      if (this.#live(a.agentId)) this.#update(a);
    });
    const now = this.#now();
    const spread = () => Math.min(JOIN_SPREAD_MS, this.#options.jitterMs) * this.#random();
    // Resume the chain of an agent that checked in recently: its next run is one interval after that.
    const resuming = fresh.filter((a) => a.lastRunAt !== undefined && a.lastRunAt + a.intervalMs > now);
    const due = fresh.filter((a) => !resuming.includes(a));
    for (const a of resuming) this.#add(a, a.lastRunAt! + a.intervalMs - now + spread());
    due.forEach((a, index) => {
      // A lone agent (or a join) runs soon; several at boot spread across a window.
      const stagger = initial && due.length > 1 ? (index / due.length) * Math.min(a.intervalMs * 0.4, STAGGER_CAP_MS) : 0;
      this.#add(a, stagger + spread());
    });
  }

  remove(agentId: string): void {
    const entry = this.#entries.get(agentId);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.nextAt = undefined;
    if (entry.running) entry.removed = true;
    else this.#entries.delete(agentId);
  }

  /** Clears every timer, then waits for in-flight runs until `deadline` (epoch ms); runs still going are aborted. */
  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    for (const entry of this.#entries.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.nextAt = undefined;
    }
    const inFlight = [...this.#entries.values()].flatMap((e) => (e.running ? [e.running] : []));
    if (inFlight.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(MAX_TIMER_MS, Math.max(0, deadline - this.#now())));
      });
      await Promise.race([Promise.allSettled(inFlight), timeout]);
      clearTimeout(timer);
    }
    this.#abort.abort(new Error('heartbeat scheduler stopped'));
  }

  /** Snapshot for status output. */
  snapshot(): Array<{ agentId: string; intervalMs: number; running: boolean; nextAt: number | null }> {
    return [...this.#entries.values()]
      .filter((e) => !e.removed)
      .map((e) => ({ agentId: e.agentId, intervalMs: e.intervalMs, running: e.running !== undefined, nextAt: e.nextAt ?? null }));
  }

  get runningCount(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.running) n++;
    return n;
  }

  #live(agentId: string): boolean {
    const e = this.#entries.get(agentId);
    return e !== undefined && !e.removed;
  }

  #add(agent: ScheduledAgent, delayMs: number): void {
    const existing = this.#entries.get(agent.agentId);
    if (existing) {
      // Re-added while its last run is still going: revive the same chain, it re-arms when the run ends.
      existing.removed = false;
      existing.intervalMs = agent.intervalMs;
      return;
    }
    const entry: Entry = { agentId: agent.agentId, intervalMs: agent.intervalMs, timer: undefined, running: undefined, removed: false, nextAt: undefined };
    this.#entries.set(agent.agentId, entry);
    this.#arm(entry, delayMs);
  }

  #update(agent: ScheduledAgent): void {
    const entry = this.#entries.get(agent.agentId)!;
    if (entry.intervalMs === agent.intervalMs) return;
    entry.intervalMs = agent.intervalMs;
    // Idle with a timer armed for the old interval: re-arm now. Running: the chain picks it up when the run ends.
    if (!entry.running && entry.timer) {
      clearTimeout(entry.timer);
      this.#arm(entry, this.#nextDelay(entry));
    }
  }

  #nextDelay(entry: Entry): number {
    return entry.intervalMs + this.#random() * this.#options.jitterMs;
  }

  #arm(entry: Entry, delayMs: number): void {
    const delay = Math.max(0, Math.round(delayMs));
    entry.nextAt = this.#now() + delay;
    this.#wait(entry, delay);
  }

  /** One timer, or a chain of them for delays beyond MAX_TIMER_MS. */
  #wait(entry: Entry, remaining: number): void {
    const step = Math.min(remaining, MAX_TIMER_MS);
    entry.timer = setTimeout(() => (step < remaining ? this.#wait(entry, remaining - step) : this.#fire(entry)), step);
    // Heartbeats alone must not keep a process alive; the kernel owns the lifetime.
    entry.timer.unref?.();
  }

  #fire(entry: Entry): void {
    entry.timer = undefined;
    entry.nextAt = undefined;
    if (this.#stopped || this.#entries.get(entry.agentId) !== entry || entry.removed) return;
    entry.running = (async () => {
      try {
        await this.#options.run(entry.agentId, this.#abort.signal);
      } catch (err) {
        this.#options.onError?.(entry.agentId, err);
      }
    })().finally(() => {
      entry.running = undefined;
      if (entry.removed) {
        this.#entries.delete(entry.agentId);
        return;
      }
      if (!this.#stopped && this.#entries.get(entry.agentId) === entry) this.#arm(entry, this.#nextDelay(entry));
    });
  }
}
