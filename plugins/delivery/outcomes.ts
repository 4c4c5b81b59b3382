/**
 * What happens after a run or an admission decision: delivered, skipped,
 * retry, paused (outage), dead-lettered. Every outcome that ends a
 * notification is logged at info with its reason and counted (`onDelivered`).
 * Store errors (locked, full, closed) are caught here: they never escape a
 * session runner, and a notification whose bookkeeping failed stays
 * undelivered on the backend and comes back on a later poll.
 */
import type { Logger } from 'pino';
import type { DeliveryContext, Id, Notification } from '../../core/ports/domain.ts';
import type { HookFacades } from '../../core/hook-facade.ts';
import type { DeliveredEvent } from '../../core/hooks.ts';
import type { Clock } from '../../core/clock.ts';
import { runNotification, type RunDeps, type RunOutcome, type Settlement } from './run.ts';
import type { Failure } from './failures.ts';
import type { DeadLetter, DeliveryStore, RetryState } from './store.ts';
import { backoffDelay } from './backoff.ts';
import { DeadLetters } from './dead-letters.ts';
import type { DeliveryStats } from './stats.ts';
import type { AfterRun, Queued } from './sessions.ts';
import type { AttemptToolCall } from './attempt-log.ts';
import type { LoopOptions } from './loop.ts';

export interface OutcomeDeps {
  deps: RunDeps;
  opts: LoopOptions;
  store: DeliveryStore;
  hooks: Pick<HookFacades, 'onDelivered'>;
  clock: Clock;
  stats: DeliveryStats;
  syncAgents?: () => void;
  /** Stop running notifications: `outage` until the gateway answers, `store` until the store takes writes. */
  pause(reason: string, kind?: 'outage' | 'store'): void;
  /** The notification ended (terminal) or left the loop for now. */
  ended(id: Id, terminal: boolean): void;
  /** Its retry state changed. */
  retrying(state: RetryState | undefined): void;
}

/** Agent sync is asked at most this often for agents the gateway does not know. */
const AGENT_SYNC_EVERY_MS = 10_000;
/** Tool calls kept per attempt for its history row (a runaway turn cannot grow it). */
const MAX_CALLS_PER_ATTEMPT = 100;

export class Outcomes {
  readonly #d: OutcomeDeps;
  readonly #log: Logger;
  readonly #deadLetters: DeadLetters;
  /** Replies whose write-back failed: the retry writes back only. */
  readonly #settlements = new Map<Id, Settlement>();
  #lastAgentSync = -Infinity;
  /** Tool calls of the attempts now running, by notification (flushed into the attempt history). */
  readonly #calls = new Map<Id, AttemptToolCall[]>();

  constructor(d: OutcomeDeps) {
    this.#d = d;
    this.#log = d.deps.logger;
    this.#deadLetters = new DeadLetters(d.deps.backend, d.store, d.deps.policy, d.deps.logger, d.clock);
  }

  /** A tool call made for a notification (either path): kept for its attempt's history row. */
  noteToolCall(id: Id, call: AttemptToolCall): void {
    const calls = this.#calls.get(id) ?? [];
    if (calls.length < MAX_CALLS_PER_ATTEMPT) calls.push(call);
    this.#calls.set(id, calls);
  }

  /** Runs one queued notification and records its outcome. Never throws. */
  async deliver(item: Queued, signal: AbortSignal, releaseTurn?: () => void): Promise<AfterRun> {
    const { ctx } = item;
    const id = ctx.notification._id;
    const started = this.#d.clock.now();
    const prior = this.#safe(() => this.#d.store.retry(id), 'reading retry state');
    const attempt = (prior?.attempts ?? 0) + 1;
    const log = this.#log.child({ notificationId: id, type: ctx.notification.type, agent: ctx.agent?.slug });
    const kept = this.#settlements.get(id);
    if (kept) log.info('writing back a reply kept from the previous attempt (no new model turn)');
    const outcome = await runNotification({ ...this.#d.deps, logger: log }, ctx, signal, kept, releaseTurn);
    const durationMs = this.#d.clock.now() - started;
    if (outcome.status === 'delivered') {
      this.#settlements.delete(id);
      if (item.replay) this.#safe(() => this.#d.store.resolveDeadLetter(id), 'resolving the dead letter');
      else if (prior) this.#safe(() => this.#d.store.clearRetry(id), 'clearing retry state');
      this.#d.ended(id, true);
      log.info({ posted: outcome.posted, reason: outcome.reason, toolCalls: outcome.toolCalls, durationMs, replay: item.replay || undefined }, 'notification delivered');
      await this.#finish(ctx, outcome, 'delivered', attempt, durationMs);
      return 'continue';
    }
    if (outcome.settlement) this.#settlements.set(id, outcome.settlement);
    log.warn({ failure: outcome.failure, error: outcome.error, attempt, replyKept: outcome.settlement !== undefined || undefined }, 'delivery failed');
    this.#d.stats.recordError(outcome.error, this.#d.clock.now());
    if (outcome.unknownAgent) this.#syncAgents(ctx);
    if (outcome.failure === 'outage') {
      this.#history(ctx.notification, ctx, 'outage', attempt, started, durationMs, outcome.error);
      await this.#endAttempt(id);
      this.#d.ended(id, false);
      this.#d.pause(outcome.error);
      return 'stop';
    }
    await this.failed({ n: ctx.notification, ctx, error: outcome.error, failure: outcome.failure, item, toolCalls: outcome.toolCalls, durationMs });
    return 'stop';
  }

  /** Spend one attempt (or all, for permanent failures); dead-letter when the budget is gone. */
  async failed(f: { n: Notification; ctx: DeliveryContext | null; error: string; failure: Exclude<Failure, 'outage'>; item: Queued | undefined; toolCalls?: number; durationMs?: number }): Promise<void> {
    const { n, ctx, error, failure } = f;
    const now = this.#d.clock.now();
    const run: RunOutcome = { status: 'failed', failure, error, toolCalls: f.toolCalls ?? 0 };
    const prior = this.#safe(() => this.#d.store.retry(n._id), 'reading retry state')?.attempts ?? 0;
    const attempts = this.#safe(
      () =>
        this.#d.store.recordFailure({
          notificationId: n._id,
          agentId: ctx?.agent?._id ?? n.recipientId,
          taskId: n.taskId ?? null,
          error,
          nextAttemptAt: now + backoffDelay(prior + 1, this.#d.opts.backoffBaseMs, this.#d.opts.backoffMaxMs),
          now,
        }),
      'recording the failed attempt (the notification comes back on a later poll)',
    );
    if (attempts === undefined) {
      // The failure cannot be counted: running it (or anything else) again would spend no budget
      // and could loop. Pause until the store takes writes again; the notification stays undelivered.
      if (!f.item?.replay) await this.#endAttempt(n._id);
      this.#d.ended(n._id, false);
      this.#d.pause('the delivery store cannot record attempts (disk full or read-only?)', 'store');
      return;
    }
    this.#d.retrying(this.#safe(() => this.#d.store.retry(n._id), 'reading retry state'));
    if (failure === 'permanent' || attempts >= this.#d.opts.maxAttempts) {
      this.#settlements.delete(n._id);
      const buried = await this.#deadLetters.bury(n, ctx, attempts, error).then(
        () => true,
        (err: unknown) => (this.#log.warn({ err, notificationId: n._id }, 'recording the dead letter failed; the notification comes back on a later poll'), false),
      );
      if (!buried) return void this.#d.ended(n._id, false);
      this.#d.ended(n._id, true);
      await this.#finish(ctx, run, 'dead_lettered', attempts, f.durationMs ?? 0, n);
      return;
    }
    if (ctx && !f.item?.replay) await this.#endAttempt(n._id);
    this.#d.ended(n._id, false);
    this.#log.info({ notificationId: n._id, type: n.type, failure, error, attempts, maxAttempts: this.#d.opts.maxAttempts }, 'notification will be retried');
    await this.#finish(ctx, run, 'retry', attempts, f.durationMs ?? 0, n);
  }

  /** Skipped by policy or a structural check: marked delivered, logged, counted. */
  async skip(ctx: DeliveryContext, reason: string): Promise<void> {
    const n = ctx.notification;
    try {
      await this.#d.deps.backend.markNotificationDelivered({ notificationId: n._id });
    } catch (err) {
      this.#log.warn({ notificationId: n._id, err }, 'marking a skipped notification failed; will retry');
      return;
    }
    this.#d.ended(n._id, true);
    this.#log.info({ notificationId: n._id, type: n.type, agent: ctx.agent?.slug, reason }, 'notification skipped');
    await this.#finish(ctx, { status: 'delivered', posted: false, reason, toolCalls: 0 }, 'skipped', 0, 0);
  }

  /** A listed notification this scope dead-lettered earlier (settling it failed then): settle it now. */
  async finishDead(ctx: DeliveryContext, dead: DeadLetter): Promise<void> {
    const n = ctx.notification;
    try {
      await this.#deadLetters.finish(ctx, dead);
    } catch (err) {
      this.#log.warn({ err, notificationId: n._id }, 'finishing dead letter failed; will retry');
      return;
    }
    this.#d.ended(n._id, true);
    const reason = `finished from an earlier dead letter: ${dead.lastError}`;
    this.#log.info({ notificationId: n._id, type: n.type, attempts: dead.attempts, reason }, 'notification finished from an earlier dead letter');
    await this.#finish(ctx, { status: 'failed', failure: 'answered', error: reason, toolCalls: 0 }, 'dead_lettered', dead.attempts, 0);
  }

  /** A requested replay whose notification or agent no longer exists: dead again, with that reason. */
  async replayImpossible(id: Id, ctx: DeliveryContext | null): Promise<void> {
    const dead = this.#safe(() => this.#d.store.deadLetterOf(id), 'reading the dead letter');
    if (!dead) return;
    const error = ctx ? 'replay: the agent or its session key no longer exists' : 'replay: the notification no longer exists';
    this.#safe(() => this.#d.store.deadLetter({ ...dead, lastError: error, deadAt: this.#d.clock.now() }), 'recording the dead letter');
    this.#log.info({ notificationId: id, reason: error }, 'replay not possible; the dead letter stays');
  }

  #syncAgents(ctx: DeliveryContext): void {
    const now = this.#d.clock.now();
    if (!this.#d.syncAgents || now - this.#lastAgentSync < AGENT_SYNC_EVERY_MS) return;
    this.#lastAgentSync = now;
    this.#log.info({ agent: ctx.agent?.slug }, 'the gateway does not know the agent yet: asking agent sync to run');
    this.#d.syncAgents();
  }

  async #endAttempt(id: Id): Promise<void> {
    await this.#d.deps.backend.markNotificationDeliveryEnded({ notificationId: id }).catch(() => undefined);
  }

  #safe<T>(fn: () => T, what: string): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.#log.warn({ err }, `delivery store: ${what} failed`);
      return undefined;
    }
  }

  /** One row of the attempt history (`deliveries show`), with the tool calls the attempt made. */
  #history(n: Notification, ctx: DeliveryContext | null, outcome: string, attempt: number, startedAt: number, durationMs: number, detail: string): void {
    const toolCalls = this.#calls.get(n._id) ?? [];
    this.#calls.delete(n._id);
    this.#safe(
      () => this.#d.store.attempts.record({ notificationId: n._id, notificationType: n.type, agent: ctx?.agent?.slug ?? null, attempt, startedAt, durationMs, outcome, detail, toolCalls }),
      'recording the attempt history',
    );
  }

  async #finish(ctx: DeliveryContext | null, outcome: RunOutcome, kind: DeliveredEvent['outcome'], attempt: number, durationMs: number, n = ctx?.notification): Promise<void> {
    if (!n) return;
    this.#d.stats.count(kind);
    this.#history(n, ctx, kind, attempt, this.#d.clock.now() - durationMs, durationMs, outcome.status === 'delivered' ? outcome.reason : outcome.error);
    try {
      await this.#d.hooks.onDelivered.call({
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
    } catch (err) {
      this.#log.warn({ err, notificationId: n._id }, 'onDelivered listener failed');
    }
  }
}
