/**
 * The delivery loop: poll undelivered notifications (poll-policy.ts says
 * when), fetch each context on its own (one bad notification never blocks the
 * others), ask policy, and run deliverable notifications in the session pool
 * (sessions.ts). Failures are classified in failures.ts and handled in
 * outcomes.ts; the loop's own state is reconciled with every list: ids that
 * finished after a list was requested are ignored, delivered ones skipped.
 */
import type { Logger } from 'pino';
import type { DeliveryContext, Id, Notification } from '../../core/ports/domain.ts';
import type { HookFacades } from '../../core/hook-facade.ts';
import type { Clock } from '../../core/clock.ts';
import { type RunDeps } from './run.ts';
import { classifyFailure } from './failures.ts';
import type { DeliveryStore, RetryState } from './store.ts';
import { backoffDelay } from './backoff.ts';
import { DeliveryStats } from './stats.ts';
import { SessionPool, type Queued } from './sessions.ts';
import { PollPolicy, ADAPTIVE_DEFAULTS } from './poll-policy.ts';
import { AgentTurnsProvider, type PendingEntry } from './agent-turns.ts';
import { Outcomes } from './outcomes.ts';
import { Pause, type PauseKind } from './pause.ts';
import { StoreHousekeeping } from './housekeeping.ts';
import { mapLimit } from './map-limit.ts';

export interface LoopOptions {
  /** Pinned poll interval (DELIVERY_INTERVAL); undefined = adaptive. */
  intervalMs?: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  listLimit: number;
  contextConcurrency: number;
  maxConcurrentSessions: number;
  maxAttempts: number;
  deadLetterRetentionMs: number;
}

export interface LoopCollaborators {
  store: DeliveryStore;
  hooks: Pick<HookFacades, 'onNotification' | 'onDelivered'>;
  clock: Clock;
  /** Asks agent sync to run now (the gateway does not know an agent yet); absent without agent-sync. */
  syncAgents?: () => void;
}

/** The list answers at most this many. */
const MAX_LIST = 500;
/** While paused, the gateway's own status is looked at this often (no network). */
const PAUSED_CHECK_MS = 1000;

export class DeliveryLoop {
  readonly stats = new DeliveryStats();
  readonly turns: AgentTurnsProvider;
  readonly #deps: RunDeps;
  readonly #opts: LoopOptions;
  readonly #store: DeliveryStore;
  readonly #housekeeping: StoreHousekeeping;
  readonly #hooks: LoopCollaborators['hooks'];
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #pool: SessionPool;
  readonly #policy: PollPolicy;
  readonly #outcomes: Outcomes;
  readonly #abort = new AbortController();
  /** Undelivered notifications of the last list that have not ended since. */
  #listed = new Map<Id, PendingEntry>();
  /** Retry states of this scope (the store's, refreshed every poll and on every change). */
  #retrying = new Map<Id, RetryState>();
  /** Ids that ended, with the sequence number at which they did (stale lists). */
  readonly #ended = new Map<Id, number>();
  #seq = 0;
  #timer: AbortController | undefined;
  #cycle: Promise<void> | undefined;
  #rerun = false;
  /** refresh() callers waiting for the next poll to end. */
  #refreshWaiters: Array<() => void> = [];
  #stopped = true;
  readonly #pausing: Pause;
  /** The last page was full: more work may wait beyond it. */
  #morePossible = false;

  constructor(deps: RunDeps, opts: LoopOptions, c: LoopCollaborators) {
    this.#deps = deps;
    this.#opts = opts;
    this.#store = c.store;
    this.#hooks = c.hooks;
    this.#clock = c.clock;
    this.#log = deps.logger;
    this.#housekeeping = new StoreHousekeeping(c.store, deps.logger, opts);
    this.#policy = new PollPolicy({ ...ADAPTIVE_DEFAULTS, intervalMs: opts.intervalMs }, c.clock.now());
    this.#pausing = new Pause({ gateway: deps.gateway, store: c.store, clock: c.clock, log: deps.logger, backoffBaseMs: opts.backoffBaseMs, backoffMaxMs: opts.backoffMaxMs });
    this.#pool = new SessionPool(opts.maxConcurrentSessions, {
      run: (item, releaseTurn) => this.#outcomes.deliver(item, this.#abort.signal, releaseTurn),
      left: (item) => this.#left(item),
      settled: () => this.#settled(),
      mayRun: () => !this.#stopped && this.#pausing.reason === undefined,
      onError: (err) => this.#log.error({ err }, 'delivery session runner failed unexpectedly'),
    });
    this.turns = new AgentTurnsProvider(
      { entries: () => this.#pendingEntries(), hold: (agentId) => this.#pool.hold(agentId) },
      (err) => this.#log.warn({ err }, 'agent idle listener failed'),
    );
    this.#outcomes = new Outcomes({
      deps,
      opts,
      store: c.store,
      hooks: c.hooks,
      clock: c.clock,
      stats: this.stats,
      syncAgents: c.syncAgents,
      pause: (reason, kind) => this.#pause(reason, kind),
      ended: (id, terminal) => this.#markEnded(id, terminal),
      retrying: (state) => (state ? this.#retrying.set(state.notificationId, state) : undefined),
    });
  }

  /** A tool call made for a notification: kept for its attempt's history row. */
  noteToolCall(id: Id, call: { tool: string; outcome: string; ms: number }): void {
    this.#outcomes.noteToolCall(id, call);
  }

  get paused(): string | undefined {
    return this.#pausing.reason;
  }

  get inFlight(): number {
    return this.#pool.size;
  }

  start(): void {
    this.#stopped = false;
    try {
      const others = this.#store.otherScopes();
      if (others.length > 0) {
        this.#log.info({ scope: this.#store.scope, others }, 'delivery state of another backend deployment or account is kept but not applied');
      }
    } catch (err) {
      this.#log.warn({ err }, 'reading the delivery store failed');
    }
    this.#schedule(0);
  }

  /**
   * Poll as soon as possible and resolve when a poll that started after this call has ended (a
   * poll in flight may have listed before the work existed). Resolves at once when stopped.
   */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.#refreshWaiters.push(resolve);
      this.wake();
    });
  }

  /** Poll as soon as possible (new work exists). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#cycle) this.#rerun = true;
    else this.#schedule(0);
  }

  /** Stop polling; let runs finish until `deadline`, then cancel what remains (left undelivered). */
  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    for (const resolve of this.#refreshWaiters.splice(0)) resolve();
    this.#timer?.abort();
    const drain = Promise.allSettled([this.#cycle, this.#pool.drain()]);
    const budget = Math.max(0, deadline - this.#clock.now() - 500);
    // The waits are cancelled once decided, so no timer outlives the stop.
    const race = async (ms: number): Promise<boolean> => {
      const timer = new AbortController();
      const timedOut = this.#clock.sleep(ms, timer.signal).then(() => false, () => true);
      const result = await Promise.race([drain.then(() => true), timedOut]);
      timer.abort();
      return result;
    };
    if (!(await race(budget))) {
      this.#log.warn({ inFlight: this.#pool.size }, 'shutdown deadline: cancelling runs in flight (they stay undelivered)');
      this.#abort.abort(new Error('shutdown'));
      await race(1000);
    }
  }

  /** Waits on the clock (tests drive it), then polls; a newer schedule cancels the older wait. */
  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer?.abort();
    const timer = new AbortController();
    this.#timer = timer;
    this.#clock.sleep(delayMs, timer.signal).then(
      () => {
        if (this.#timer !== timer || this.#stopped) return;
        this.#timer = undefined;
        const waiting = this.#refreshWaiters.splice(0);
        this.#cycle = this.#poll().finally(() => {
          this.#cycle = undefined;
          for (const resolve of waiting) resolve();
          if (this.#rerun) {
            this.#rerun = false;
            this.#schedule(0);
          }
        });
      },
      () => undefined,
    );
  }

  async #poll(): Promise<void> {
    let next = this.#policy.interval(this.#clock.now());
    try {
      next = await this.#pollOnce();
    } catch (err) {
      this.#log.error({ err }, 'delivery poll failed unexpectedly');
    }
    if (!this.#rerun) this.#schedule(next);
  }

  /** One cycle; returns the delay before the next. */
  async #pollOnce(): Promise<number> {
    const now = this.#clock.now();
    this.stats.lastPollAt = now;
    if (this.#pausing.reason !== undefined) {
      if (!(await this.#pausing.mayResume(now))) return Math.max(50, Math.min(PAUSED_CHECK_MS, (this.#pausing.nextProbeAt ?? now) - now));
      this.#pool.pump();
    }
    this.#refreshRetrying();
    const replays = this.#read(() => this.#store.dueReplays(now), []);
    const asOf = this.#seq;
    const limit = Math.min(MAX_LIST, this.#opts.listLimit + this.#pool.size + this.#retrying.size);
    let list: Notification[];
    try {
      list = await this.#deps.backend.listUndeliveredNotifications({ limit });
    } catch (err) {
      return this.#backendFailed(err, 'listing undelivered notifications failed; backing off');
    }
    const current = list.filter((n) => n.deliveredAt == null && !((this.#ended.get(n._id) ?? -1) > asOf));
    for (const [id, seq] of this.#ended) if (seq <= asOf) this.#ended.delete(id);
    this.#listed = new Map(current.map((n) => [n._id, { agentId: n.recipientId, taskId: n.taskId ?? null }]));
    if (current.length > 0) this.#policy.sawWork(now);
    const fresh = current.filter((n) => !this.#pool.has(n._id) && !this.#waiting(n._id, now));
    const results = [
      ...(await mapLimit(replays.filter((d) => !this.#pool.has(d.notificationId)), this.#opts.contextConcurrency, (d) => this.#admitReplay(d.notificationId))),
      ...(await mapLimit(fresh, this.#opts.contextConcurrency, (n) => this.#admit(n))),
    ];
    this.#pool.pump();
    this.turns.changed();
    const outages = results.filter((r) => r !== undefined);
    if (outages.length > 0) return this.#backendFailed(outages[0], 'fetching delivery contexts failed; backing off');
    this.stats.backendFailures = 0;
    this.#morePossible = list.length >= limit;
    // The list was complete: a retry row of a notification it does not hold (and no run holds) has ended.
    if (!this.#morePossible) this.#housekeeping.run(now, asOf, (id) => this.#listed.has(id) || this.#pool.has(id) || this.#ended.has(id));
    if (this.#wantsMore()) return 0;
    const due = Math.min(...[...this.#retrying.values()].map((r) => r.nextAttemptAt - now));
    return Math.max(50, Math.min(this.#policy.interval(now), due));
  }

  /**
   * Poll at once when the last page was full and the pool could take more: fewer than two rounds of
   * turns wait, so the next page's contexts arrive before the pool runs dry (fetching a page takes
   * a few backend round trips). The page count stays the same; only its timing moves.
   */
  #wantsMore(): boolean {
    return this.#morePossible && this.#pool.waiting < 2 * this.#opts.maxConcurrentSessions;
  }

  #backendFailed(err: unknown, what: string): number {
    this.stats.backendFailures++;
    this.stats.recordError(classifyFailure(err).message, this.#clock.now());
    this.#log.warn({ err, consecutive: this.stats.backendFailures }, what);
    return backoffDelay(this.stats.backendFailures, this.#opts.backoffBaseMs, this.#opts.backoffMaxMs);
  }

  #waiting(id: Id, now: number): boolean {
    const r = this.#retrying.get(id);
    return r !== undefined && r.nextAttemptAt > now;
  }

  /** Fetch one context (isolated), decide, and either finish it or queue it. Returns the error of an outage. */
  async #admit(n: Notification): Promise<unknown> {
    let ctx: DeliveryContext | null;
    try {
      ctx = await this.#deps.backend.getNotificationForDelivery({ notificationId: n._id });
    } catch (err) {
      const { failure, message } = classifyFailure(err);
      this.#log.warn({ notificationId: n._id, err }, 'context fetch failed');
      if (failure === 'outage') return err;
      await this.#outcomes.failed({ n, ctx: null, error: `context fetch: ${message}`, failure, item: undefined });
      return undefined;
    }
    if (!ctx) return void (await this.#outcomes.failed({ n, ctx: null, error: 'the backend returned no delivery context', failure: 'answered', item: undefined }));
    if (ctx.notification.deliveredAt != null) return undefined;
    const dead = this.#read(() => this.#store.deadLetterOf(n._id), null);
    if (dead === null) return undefined;
    if (dead?.replayRequestedAt != null) return void this.#enqueue(ctx, true);
    if (dead) return void (await this.#outcomes.finishDead(ctx, dead));
    const invalid = !ctx.agent ? 'recipient agent not found' : n.taskId && !ctx.task ? 'task not found' : !ctx.deliverySessionKey ? 'no session key for the agent' : undefined;
    const decision = invalid ? { action: 'skip' as const, reason: invalid } : await this.#hooks.onNotification.call({ notification: n, context: ctx });
    if (decision?.action === 'skip') return void (await this.#outcomes.skip(ctx, decision.reason ?? 'skipped by policy'));
    this.#enqueue(ctx, false);
    return undefined;
  }

  /** A dead letter the operator asked to retry: fetched fresh and delivered like new; the dead letter stays until it succeeds. */
  async #admitReplay(id: Id): Promise<unknown> {
    let ctx: DeliveryContext | null;
    try {
      ctx = await this.#deps.backend.getNotificationForDelivery({ notificationId: id });
    } catch (err) {
      this.#log.warn({ notificationId: id, err }, 'replay: context fetch failed');
      if (classifyFailure(err).failure === 'outage') return err;
      ctx = null;
    }
    if (!ctx?.agent || !ctx.deliverySessionKey) {
      await this.#outcomes.replayImpossible(id, ctx);
      return undefined;
    }
    this.#log.info({ notificationId: id }, 'replaying dead letter');
    this.#enqueue(ctx, true);
    return undefined;
  }

  #enqueue(ctx: DeliveryContext, replay: boolean): void {
    this.#pool.enqueue({ ctx, enqueuedAt: this.#clock.now(), replay });
    // Runs start as their contexts arrive, not after the whole page was fetched.
    this.#pool.pump();
  }

  #left(item: Queued): void {
    this.#ended.set(item.ctx.notification._id, ++this.#seq);
    this.turns.changed(item.ctx.agent?._id ?? item.ctx.notification.recipientId);
  }

  #settled(): void {
    if (this.#wantsMore()) this.wake();
  }

  #markEnded(id: Id, terminal: boolean): void {
    this.#ended.set(id, ++this.#seq);
    if (terminal) {
      const agentId = this.#listed.get(id)?.agentId ?? this.#retrying.get(id)?.agentId ?? undefined;
      // Its recorded tool effects now only wait out the ledger's retention window.
      this.#read(() => this.#store.toolCalls.ended(id), undefined);
      this.#listed.delete(id);
      this.#retrying.delete(id);
      this.turns.changed(agentId);
    }
  }

  #pause(reason: string, kind?: PauseKind): void {
    if (!this.#stopped) this.#pausing.begin(reason, kind);
  }

  #refreshRetrying(): void {
    const rows = this.#read(() => this.#store.retries(), undefined);
    if (rows) this.#retrying = new Map(rows.map((r) => [r.notificationId, r]));
  }

  /** A store read; on failure (locked, closed) logs and returns `fallback`. */
  #read<T, F>(fn: () => T, fallback: F): T | F {
    try {
      return fn();
    } catch (err) {
      this.#log.warn({ err }, 'reading the delivery store failed');
      return fallback;
    }
  }

  *#pendingEntries(): Iterable<PendingEntry> {
    yield* this.#listed.values();
    for (const item of this.#pool.items()) {
      if (item.ctx.agent) yield { agentId: item.ctx.agent._id, taskId: item.ctx.task?._id ?? item.ctx.notification.taskId ?? null };
    }
    for (const r of this.#retrying.values()) if (r.agentId) yield { agentId: r.agentId, taskId: r.taskId };
  }
}
