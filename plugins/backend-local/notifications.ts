/**
 * Notifications: the delivery queue (undelivered agent notifications, oldest
 * first), the delivery marks, task subscriptions, and how each notification
 * type is produced (original-runtime.md §3.1).
 */
import type { Notification, NotificationType, Task } from '../../core/ports/domain.ts';
import { newId } from './ids.ts';
import { getNotification, notificationFromRow, type Account, type Ctx, type NotificationRow } from './model.ts';

// ---- the queue -----------------------------------------------------------------

export function listUndelivered(ctx: Ctx, args: { limit?: number }): Notification[] {
  // Contract: at most 500; the default is 100; at least 1.
  const limit = Math.min(500, Math.max(1, Math.trunc(args.limit ?? 100)));
  return ctx.db
    .all<NotificationRow>(
      `SELECT * FROM notifications
       WHERE account_id = $a AND recipient_type = 'agent' AND delivered_at IS NULL
       ORDER BY created_at, rowid LIMIT $limit`,
      { a: ctx.accountId, limit },
    )
    .map(notificationFromRow);
}

/** Processing started: the UI shows the agent typing (readAt set, deliveryEndedAt cleared). */
export function markRead(ctx: Ctx, args: { notificationId: string }): { success: boolean } {
  const n = getNotification(ctx, args.notificationId);
  ctx.db.run('UPDATE notifications SET read_at = coalesce(read_at, $now), delivery_ended_at = NULL WHERE id = $id', {
    id: n._id,
    now: ctx.now,
  });
  return { success: true };
}

/** Idempotent: the first delivery time wins. */
export function markDelivered(ctx: Ctx, args: { notificationId: string }): { success: boolean } {
  const n = getNotification(ctx, args.notificationId);
  ctx.db.run('UPDATE notifications SET delivered_at = $now WHERE id = $id AND delivered_at IS NULL', { id: n._id, now: ctx.now });
  return { success: true };
}

/** A failed attempt: typing stops, the notification stays queued. */
export function markDeliveryEnded(ctx: Ctx, args: { notificationId: string }): { success: boolean } {
  const n = getNotification(ctx, args.notificationId);
  ctx.db.run(
    'UPDATE notifications SET delivery_ended_at = $now WHERE id = $id AND delivered_at IS NULL AND delivery_ended_at IS NULL',
    { id: n._id, now: ctx.now },
  );
  return { success: true };
}

// ---- producing notifications ------------------------------------------------------

export interface NewNotification {
  type: NotificationType;
  recipientType: 'user' | 'agent';
  recipientId: string;
  taskId?: string;
  messageId?: string;
  title: string;
  body: string;
}

export function insertNotification(ctx: Ctx, n: NewNotification): string {
  const id = newId('ntf');
  ctx.db.run(
    `INSERT INTO notifications (id, account_id, type, recipient_type, recipient_id, task_id, message_id, title, body, created_at)
     VALUES ($id, $a, $type, $rt, $rid, $task, $msg, $title, $body, $now)`,
    {
      id,
      a: ctx.accountId,
      type: n.type,
      rt: n.recipientType,
      rid: n.recipientId,
      task: n.taskId,
      msg: n.messageId,
      title: n.title,
      body: n.body,
      now: ctx.now,
    },
  );
  return id;
}

/**
 * A thread update for one recipient. For an agent, an undelivered thread_update
 * of the same task is patched (new message, text, time) instead of queueing a
 * second one: the agent reads the whole thread anyway. A notification whose
 * delivery is in flight (read, not ended) is left alone, otherwise the new
 * message would be marked delivered by a run that never saw it.
 */
export function notifyThreadUpdate(ctx: Ctx, n: Omit<NewNotification, 'type'> & { taskId: string; messageId: string }): string {
  if (n.recipientType === 'agent') {
    const pending = ctx.db.get<{ id: string }>(
      `SELECT id FROM notifications
       WHERE task_id = $task AND recipient_id = $rid AND recipient_type = 'agent' AND type = 'thread_update'
         AND delivered_at IS NULL AND account_id = $a AND (read_at IS NULL OR delivery_ended_at IS NOT NULL)
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      { task: n.taskId, rid: n.recipientId, a: ctx.accountId },
    );
    if (pending) {
      ctx.db.run(
        'UPDATE notifications SET message_id = $msg, title = $title, body = $body, created_at = $now WHERE id = $id',
        { id: pending.id, msg: n.messageId, title: n.title, body: n.body, now: ctx.now },
      );
      return pending.id;
    }
  }
  return insertNotification(ctx, { ...n, type: 'thread_update' });
}

export function notifyAssignment(ctx: Ctx, task: Task, agentIds: readonly string[], exceptId?: string): void {
  for (const agentId of agentIds) {
    if (agentId === exceptId) continue;
    insertNotification(ctx, {
      type: 'assignment',
      recipientType: 'agent',
      recipientId: agentId,
      taskId: task._id,
      title: 'Task assigned',
      body: `You were assigned to task "${task.title}"`,
    });
  }
}

/** Assigned agents other than the actor, and assigned users, hear about a status change. */
export function notifyStatusChange(ctx: Ctx, task: Task, from: string, to: string, actorId: string): void {
  const title = 'Task status changed';
  const body = `Task "${task.title}" moved from ${from} to ${to}`;
  for (const agentId of task.assignedAgentIds) {
    if (agentId === actorId) continue;
    insertNotification(ctx, { type: 'status_change', recipientType: 'agent', recipientId: agentId, taskId: task._id, title, body });
  }
  for (const userId of task.assignedUserIds) {
    if (userId === actorId) continue;
    insertNotification(ctx, { type: 'status_change', recipientType: 'user', recipientId: userId, taskId: task._id, title, body });
  }
}

// ---- subscriptions ---------------------------------------------------------------

export interface Subscriber {
  type: 'agent' | 'user';
  id: string;
}

export function subscribe(ctx: Ctx, taskId: string, who: Subscriber): void {
  ctx.db.run(
    `INSERT INTO subscriptions (task_id, subscriber_type, subscriber_id, account_id, created_at)
     VALUES ($task, $type, $id, $a, $now) ON CONFLICT DO NOTHING`,
    { task: taskId, type: who.type, id: who.id, a: ctx.accountId, now: ctx.now },
  );
}

/** The orchestrator follows every task, so it hears every thread message. */
export function subscribeTaskParticipants(ctx: Ctx, account: Account, task: Task, extra: Subscriber[] = []): void {
  const orchestrator = account.settings.orchestratorAgentId;
  if (orchestrator) subscribe(ctx, task._id, { type: 'agent', id: orchestrator });
  for (const id of task.assignedAgentIds) subscribe(ctx, task._id, { type: 'agent', id });
  for (const id of task.assignedUserIds) subscribe(ctx, task._id, { type: 'user', id });
  for (const who of extra) subscribe(ctx, task._id, who);
}

export function listSubscribers(ctx: Ctx, taskId: string): Subscriber[] {
  return ctx.db
    .all<{ subscriber_type: Subscriber['type']; subscriber_id: string }>(
      'SELECT subscriber_type, subscriber_id FROM subscriptions WHERE task_id = $task ORDER BY created_at, rowid',
      { task: taskId },
    )
    .map((r) => ({ type: r.subscriber_type, id: r.subscriber_id }));
}
