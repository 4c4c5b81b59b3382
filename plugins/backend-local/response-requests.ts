/**
 * #21 createResponseRequestNotifications: an agent asks other agents (by slug)
 * to respond on a task. Dedupe per (task, recipient): while the latest request
 * is undelivered, skip; once delivered, allow a new one only if the recipient
 * has posted in the task since, or the latest request was delivered ≥ 4 h ago.
 */
import { forbidden, invalidArgument } from './errors.ts';
import { effectiveFlags, getAgent, getTask, listAccountAgents, loadAccount, type Ctx } from './model.ts';
import { insertNotification } from './notifications.ts';

export const MAX_RECIPIENTS = 10;
export const MAX_REQUEST_LENGTH = 1000;
export const RESPONSE_REQUEST_COOLDOWN_MS = 4 * 60 * 60 * 1000;

export function createResponseRequestNotifications(
  ctx: Ctx,
  args: { requesterAgentId: string; taskId: string; recipientSlugs: string[]; message: string },
): { notificationIds: string[] } {
  const account = loadAccount(ctx);
  const requester = getAgent(ctx, args.requesterAgentId, 'Requester agent');
  const task = getTask(ctx, args.taskId);
  if (!effectiveFlags(account, requester).canMentionAgents) throw forbidden('Agent is not allowed to mention agents');
  const message = args.message.trim();
  if (!message) throw invalidArgument('A message is required');
  if (message.length > MAX_REQUEST_LENGTH) throw invalidArgument(`Message too long (max ${MAX_REQUEST_LENGTH} characters)`);
  const slugs = [...new Set(args.recipientSlugs.map((s) => s.trim().toLowerCase()).filter(Boolean))];
  if (slugs.length === 0) throw invalidArgument('At least one recipient slug is required');
  if (slugs.length > MAX_RECIPIENTS) throw invalidArgument(`At most ${MAX_RECIPIENTS} recipients`);

  const bySlug = new Map(listAccountAgents(ctx).map((a) => [a.slug.toLowerCase(), a]));
  const unknown = slugs.filter((s) => !bySlug.has(s));
  if (unknown.length > 0) throw invalidArgument(`Unknown recipient slugs: ${unknown.join(', ')}`);
  const recipients = slugs.map((s) => bySlug.get(s)!).filter((a) => a._id !== requester._id);
  if (recipients.length === 0) throw invalidArgument('No valid recipients after filtering');

  const notificationIds: string[] = [];
  for (const recipient of recipients) {
    if (!mayRequestAgain(ctx, task._id, recipient._id)) continue;
    notificationIds.push(
      insertNotification(ctx, {
        type: 'response_request',
        recipientType: 'agent',
        recipientId: recipient._id,
        taskId: task._id,
        title: `${requester.name} requested a response`,
        body: message,
      }),
    );
  }
  return { notificationIds };
}

function mayRequestAgain(ctx: Ctx, taskId: string, recipientId: string): boolean {
  const latest = ctx.db.get<{ created_at: number; delivered_at: number | null }>(
    `SELECT created_at, delivered_at FROM notifications
     WHERE task_id = $task AND recipient_id = $rid AND type = 'response_request' AND account_id = $a
     ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    { task: taskId, rid: recipientId, a: ctx.accountId },
  );
  if (!latest) return true;
  if (latest.delivered_at === null) return false;
  if (ctx.now - latest.delivered_at >= RESPONSE_REQUEST_COOLDOWN_MS) return true;
  const postedSince = ctx.db.get<{ one: number }>(
    `SELECT 1 AS one FROM messages
     WHERE task_id = $task AND author_type = 'agent' AND author_id = $rid AND created_at > $since LIMIT 1`,
    { task: taskId, rid: recipientId, since: latest.created_at },
  );
  return postedSince !== undefined;
}
