/**
 * The delivery loop: poll undelivered notifications, fetch each context on its
 * own (one bad notification never blocks the others), ask policy, and run
 * deliverable notifications in a pool of sessions: items of one session in
 * order, sessions in parallel, never two runs of one notification at once.
 */
import type { Logger } from 'pino';
import type { DeliveryContext, Notification } from '../../core/ports/domain.ts';
import type { HookFacades } from '../../core/hook-facade.ts';
import type { DeliveredEvent } from '../../core/hooks.ts';
import type { Clock } from '../../core/clock.ts';
import { classifyFailure, runNotification, type RunDeps, type RunOutcome } from './run.ts';
import type { DeliveryStore } from './store.ts';
import { backoffDelay } from './backoff.ts';
import { DeadLetters } from './dead-letters.ts';
import { DeliveryStats } from './stats.ts';

export interface LoopOptions {
  intervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  listLimit: number;
  contextConcurrency: number;
  maxConcurrentSessions: number;
  maxAttempts: number;
}

interface Item {
  ctx: DeliveryContext;
  enqueuedAt: number;
}

export class DeliveryLoop {
  readonly stats = new DeliveryStats();
  readonly #deps: RunDeps;
  readonly #opts: LoopOptions;
  readonly #store: DeliveryStore;
  readonly #hooks: Pick<HookFacades, 'onNotification' | 'onDelivered'>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #deadLetters: DeadLetters;
  /** Notification ids queued or running. */
  readonly #inFlight = new Set<string>();
  readonly #queues = new Map<string, Item[]>();
  readonly #runners = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #cycle: Promise<void> | undefined;
  #rerun = false;
  #stopped = true;
  #paused: string | undefined;
  #quietCycles = 0;

  constructor(deps: RunDeps, opts: LoopOptions, store: DeliveryStore, hooks: Pick<HookFacades, 'onNotification' | 'onDelivered'>, clock: Clock) {
    this.#deps = deps;
    this.#opts = opts;
    this.#store = store;
    this.#hooks = hooks;
    this.#clock = clock;
    this.#log = deps.logger;
    this.#deadLetters = new DeadLetters(deps.backend, store, deps.policy, deps.logger, clock);
  }

  get paused(): string | undefined {
    return this.#paused;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Poll as soon as possible (new work exists, or capacity freed up). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#cycle) this.#rerun = true;
    else this.#schedule(0);
  }

  /** Stop polling; let runs finish until `deadline`, then cancel what remains (left undelivered). */
  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const drain = Promise.allSettled([this.#cycle, ...this.#runners.values()]);
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
      this.#log.warn({ inFlight: this.#inFlight.size }, 'shutdown deadline: cancelling runs in flight (they stay undelivered)');
      this.#abort.abort(new Error('shutdown'));
      await race(1000);
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#cycle = this.#poll().finally(() => {
        this.#cycle = undefined;
        if (this.#rerun) {
          this.#rerun = false;
          this.#schedule(0);
        }
      });
    }, delayMs);
  }

  async #poll(): Promise<void> {
    let next = this.#opts.intervalMs;
    try {
      next = await this.#pollOnce();
    } catch (err) {
      this.#log.error({ err }, 'delivery poll failed unexpectedly');
    }
    if (!this.#rerun) this.#schedule(next);
  }

  /** One cycle; returns the delay before the next. */
  async #pollOnce(): Promise<number> {
    this.stats.lastPollAt = this.#clock.now();
    if (this.#paused) {
      const status = await this.#deps.gateway.probe().catch(() => undefined);
      if (status?.reachable !== 'up') {
        this.#quietCycles++;
        return backoffDelay(this.#quietCycles, this.#opts.backoffBaseMs, this.#opts.backoffMaxMs);
      }
      this.#log.info({ reason: this.#paused }, 'delivery resumed');
      this.#paused = undefined;
    }
    let list: Notification[];
    try {
      await this.#replays();
      list = await this.#deps.backend.listUndeliveredNotifications({ limit: this.#opts.listLimit });
      this.stats.backendFailures = 0;
    } catch (err) {
      this.stats.backendFailures++;
      this.stats.recordError(classifyFailure(err).message, this.#clock.now());
      this.#log.warn({ err, consecutive: this.stats.backendFailures }, 'listing undelivered notifications failed; backing off');
      return backoffDelay(this.stats.backendFailures, this.#opts.backoffBaseMs, this.#opts.backoffMaxMs);
    }
    const waiting = this.#store.waiting(this.#clock.now());
    const fresh = list.filter((n) => !this.#inFlight.has(n._id) && !waiting.has(n._id));
    await mapLimit(fresh, this.#opts.contextConcurrency, (n) => this.#admit(n));
    this.#pump();
    const more = list.length >= this.#opts.listLimit && fresh.length > 0;
    this.#quietCycles = more ? 0 : this.#quietCycles + 1;
    if (more) return 0;
    // Retries fall due on their own schedule: wake up for the earliest.
    const due = Math.min(...[...waiting.values()].map((w) => w.nextAttemptAt - this.#clock.now()), this.#opts.intervalMs);
    return Math.max(50, due);
  }

  /** Fetch one context (isolated), decide, and either finish it or queue it. */
  async #admit(n: Notification): Promise<void> {
    let ctx: DeliveryContext | null;
    try {
      ctx = await this.#deps.backend.getNotificationForDelivery({ notificationId: n._id });
    } catch (err) {
      const { failure, message } = classifyFailure(err);
      this.#log.warn({ notificationId: n._id, err }, 'context fetch failed');
      if (failure !== 'outage') await this.#answeredFailure(n, null, `context fetch: ${message}`, failure);
      return;
    }
    if (!ctx) return void (await this.#answeredFailure(n, null, 'the backend returned no delivery context', 'answered'));
    const dead = this.#store.deadLetterOf(n._id);
    if (dead) return void (await this.#deadLetters.finish(ctx, dead).catch((err: unknown) => this.#log.warn({ err }, 'finishing dead letter failed')));
    const invalid = !ctx.agent ? 'recipient agent not found' : n.taskId && !ctx.task ? 'task not found' : !ctx.deliverySessionKey ? 'no session key for the agent' : undefined;
    const decision = invalid ? { action: 'skip' as const, reason: invalid } : await this.#hooks.onNotification.call({ notification: n, context: ctx });
    if (decision?.action === 'skip') {
      try {
        await this.#deps.backend.markNotificationDelivered({ notificationId: n._id });
        await this.#finish(ctx, { status: 'delivered', posted: false, reason: decision.reason, toolCalls: 0 }, 'skipped', 0, 0);
      } catch (err) {
        this.#log.warn({ notificationId: n._id, err }, 'marking a skipped notification failed; will retry');
      }
      return;
    }
    this.#enqueue(ctx);
  }

  #enqueue(ctx: DeliveryContext): void {
    const key = ctx.deliverySessionKey!;
    this.#inFlight.add(ctx.notification._id);
    const queue = this.#queues.get(key) ?? [];
    queue.push({ ctx, enqueuedAt: this.#clock.now() });
    this.#queues.set(key, queue);
  }

  /** Start session runners while there is capacity. */
  #pump(): void {
    for (const key of this.#queues.keys()) {
      if (this.#runners.size >= this.#opts.maxConcurrentSessions) return;
      if (this.#runners.has(key)) continue;
      const runner = this.#runSession(key).finally(() => {
        this.#runners.delete(key);
        this.#pump();
        this.wake();
      });
      this.#runners.set(key, runner);
    }
  }

  async #runSession(key: string): Promise<void> {
    const queue = this.#queues.get(key)!;
    while (queue.length > 0) {
      if (this.#stopped || this.#paused) break;
      const item = queue.shift()!;
      const ok = await this.#deliver(item.ctx);
      this.#inFlight.delete(item.ctx.notification._id);
      // Keep a session's order: after a failure the rest waits for a later cycle.
      if (!ok) break;
    }
    for (const left of queue) this.#inFlight.delete(left.ctx.notification._id);
    this.#queues.delete(key);
  }

  async #deliver(ctx: DeliveryContext): Promise<boolean> {
    const started = this.#clock.now();
    const attempt = (this.#store.retry(ctx.notification._id)?.attempts ?? 0) + 1;
    const log = this.#log.child({ notificationId: ctx.notification._id, type: ctx.notification.type, agent: ctx.agent?.slug });
    const outcome = await runNotification({ ...this.#deps, logger: log }, ctx, this.#abort.signal);
    const durationMs = this.#clock.now() - started;
    if (outcome.status === 'delivered') {
      this.#store.clearRetry(ctx.notification._id);
      log.info({ posted: outcome.posted, reason: outcome.reason, toolCalls: outcome.toolCalls, durationMs }, 'notification delivered');
      await this.#finish(ctx, outcome, 'delivered', attempt, durationMs);
      return true;
    }
    log.warn({ failure: outcome.failure, error: outcome.error, attempt }, 'delivery failed');
    this.stats.recordError(outcome.error, this.#clock.now());
    if (outcome.failure === 'outage') {
      await this.#deps.backend.markNotificationDeliveryEnded({ notificationId: ctx.notification._id }).catch(() => undefined);
      if (!this.#stopped && !this.#paused) {
        this.#paused = outcome.error;
        this.#log.warn({ reason: outcome.error }, 'delivery paused until the gateway and backend answer again');
      }
      return false;
    }
    await this.#answeredFailure(ctx.notification, ctx, outcome.error, outcome.failure, outcome.toolCalls, durationMs);
    return false;
  }

  /** Spend one attempt (or all, for permanent failures); dead-letter when the budget is gone. */
  async #answeredFailure(n: Notification, ctx: DeliveryContext | null, error: string, failure: 'answered' | 'permanent', toolCalls = 0, durationMs = 0): Promise<void> {
    const now = this.#clock.now();
    const prior = this.#store.retry(n._id)?.attempts ?? 0;
    const attempts = this.#store.recordFailure(n._id, error, now + backoffDelay(prior + 1, this.#opts.backoffBaseMs, this.#opts.backoffMaxMs), now);
    if (failure === 'permanent' || attempts >= this.#opts.maxAttempts) {
      await this.#deadLetters.bury(n, ctx, attempts, error);
      await this.#finish(ctx, { status: 'failed', failure, error, toolCalls }, 'dead_lettered', attempts, durationMs, n);
      return;
    }
    if (ctx) await this.#deps.backend.markNotificationDeliveryEnded({ notificationId: n._id }).catch(() => undefined);
    await this.#finish(ctx, { status: 'failed', failure, error, toolCalls }, 'retry', attempts, durationMs, n);
  }

  async #finish(ctx: DeliveryContext | null, outcome: RunOutcome, kind: DeliveredEvent['outcome'], attempt: number, durationMs: number, n = ctx?.notification): Promise<void> {
    if (!n) return;
    this.stats.count(kind);
    await this.#hooks.onDelivered.call({
      notificationId: n._id,
      notificationType: n.type,
      agentId: ctx?.agent?._id,
      taskId: ctx?.task?._id ?? n.taskId,
      outcome: kind,
      reason: outcome.status === 'delivered' ? outcome.reason : outcome.error,
      posted: outcome.status === 'delivered' && outcome.posted,
      attempt,
      durationMs,
      toolCalls: outcome.toolCalls,
    });
  }

  /** Dead letters an operator asked to retry: fetched fresh and delivered like new. */
  async #replays(): Promise<void> {
    for (const dead of this.#store.takeReplays()) {
      const ctx = await this.#deps.backend.getNotificationForDelivery({ notificationId: dead.notificationId }).catch(() => null);
      if (!ctx?.agent || !ctx.deliverySessionKey) {
        this.#log.warn({ notificationId: dead.notificationId }, 'replay: notification or agent no longer exists');
        continue;
      }
      this.#log.info({ notificationId: dead.notificationId }, 'replaying dead letter');
      if (!this.#inFlight.has(dead.notificationId)) this.#enqueue(ctx);
    }
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
