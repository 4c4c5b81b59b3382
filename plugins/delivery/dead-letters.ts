/**
 * Dead letters: a notification whose retry budget is spent (or that failed
 * permanently) is recorded on our side with its last error, marked delivered on
 * the backend so it stops blocking the queue, and — when policy says so — leaves
 * a short deterministic notice in its task thread. `mc-runtime deliveries retry`
 * brings it back.
 */
import type { Logger } from 'pino';
import type { BackendPort } from '../../core/ports/backend.ts';
import type { DeliveryContext, Notification } from '../../core/ports/domain.ts';
import type { Clock } from '../../core/clock.ts';
import type { DeliveryPolicy } from './policy-port.ts';
import type { DeadLetter, DeliveryStore } from './store.ts';

const TYPE_WORDS: Record<string, string> = {
  assignment: 'assignment',
  mention: 'mention',
  response_request: 'response request',
  thread_update: 'thread update',
  status_change: 'status change',
};

/** No @mentions (they would notify) and no silent token; the error is not included (it may hold upstream text). */
export function deadLetterNotice(ctx: DeliveryContext, attempts: number): string {
  const who = ctx.agent?.name?.replace(/[@\n]/g, '') || 'The agent';
  const what = TYPE_WORDS[ctx.notification.type] ?? 'notification';
  return [
    `**Delivery failed** — ${who} could not process this ${what} after ${attempts} attempt${attempts === 1 ? '' : 's'}.`,
    `An operator can retry it with \`mc-runtime deliveries retry ${ctx.notification._id}\`.`,
  ].join('\n');
}

export class DeadLetters {
  readonly #backend: BackendPort;
  readonly #store: DeliveryStore;
  readonly #policy: DeliveryPolicy;
  readonly #log: Logger;
  readonly #clock: Clock;

  constructor(backend: BackendPort, store: DeliveryStore, policy: DeliveryPolicy, log: Logger, clock: Clock) {
    this.#backend = backend;
    this.#store = store;
    this.#policy = policy;
    this.#log = log;
    this.#clock = clock;
  }

  /** Records the dead letter durably first, then settles it on the backend. */
  async bury(n: Notification, ctx: DeliveryContext | null, attempts: number, error: string): Promise<void> {
    this.#store.deadLetter({
      notificationId: n._id,
      notificationType: n.type,
      agentId: ctx?.agent?._id ?? n.recipientId,
      taskId: n.taskId ?? null,
      attempts,
      lastError: error,
      deadAt: this.#clock.now(),
    });
    this.#log.error({ notificationId: n._id, type: n.type, attempts, error }, 'notification dead-lettered');
    const dead = this.#store.deadLetterOf(n._id)!;
    await this.finish(ctx, dead).catch((err: unknown) => this.#log.warn({ err, notificationId: n._id }, 'settling dead letter on the backend failed; will retry'));
  }

  /** Posts the notice (once) and marks the notification delivered. Safe to repeat. */
  async finish(ctx: DeliveryContext | null, dead: DeadLetter): Promise<void> {
    if (ctx && !dead.noticePosted && ctx.task && ctx.agent && this.#policy.deadLetterNotice(ctx)) {
      // No sourceNotificationId: a replay's real reply must not be deduplicated into this notice.
      await this.#backend.createMessageFromAgent({ taskId: ctx.task._id, agentId: ctx.agent._id, content: deadLetterNotice(ctx, dead.attempts), suppressAgentNotifications: true });
      this.#store.markNoticePosted(dead.notificationId);
    }
    await this.#backend.markNotificationDelivered({ notificationId: dead.notificationId });
  }
}
