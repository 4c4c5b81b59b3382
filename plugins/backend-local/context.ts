/**
 * #2 getNotificationForDelivery: everything the runtime needs to deliver one
 * notification (original-runtime.md §3.1 "DeliveryContext"). Opens the agent's
 * runtime session (task or system) on the way, like the hosted backend.
 */
import type { AgentRef, DeliveryContext, Task, TaskOverview, TaskStatus } from '../../core/ports/domain.ts';
import { BRIEFING_DOC_TITLE, REPOSITORY_DOC_TITLE, findReferenceDoc } from './documents.ts';
import { findMessage, isOrchestratorChat, threadItems } from './messages.ts';
import {
  effectiveFlags,
  findAgent,
  findTask,
  findUser,
  listAccountAgents,
  loadAccount,
  notificationFromRow,
  taskFromRow,
  type Ctx,
  type NotificationRow,
  type TaskRow,
} from './model.ts';
import { ensureRuntimeSession } from './sessions.ts';

const THREAD_LIMIT = 50;
const THREAD_CONTENT_MAX = 2000;
const REPOSITORY_DOC_MAX = 50_000;
const OVERVIEW_STATUSES: TaskStatus[] = ['inbox', 'assigned', 'in_progress', 'review', 'blocked'];
const OVERVIEW_SCAN = 100;
const OVERVIEW_TOP = 3;

export function getNotificationForDelivery(ctx: Ctx, args: { notificationId: string }): DeliveryContext | null {
  const row = ctx.db.get<NotificationRow>('SELECT * FROM notifications WHERE id = $id', { id: args.notificationId });
  // Missing, or another account's: null, not an error (hosted-backend behaviour).
  if (!row || row.account_id !== ctx.accountId) return null;
  const notification = notificationFromRow(row);
  const account = loadAccount(ctx);
  const agent = notification.recipientType === 'agent' ? findAgent(ctx, notification.recipientId) : null;
  const task = notification.taskId ? findTask(ctx, notification.taskId) : null;
  const message = notification.messageId ? findMessage(ctx, notification.messageId) : null;
  const thread = task ? threadItems(ctx, task._id, THREAD_LIMIT, THREAD_CONTENT_MAX) : [];

  let sourceNotificationType: string | null = null;
  if (message?.sourceNotificationId) {
    const src = ctx.db.get<{ type: string }>('SELECT type FROM notifications WHERE id = $id AND account_id = $a', {
      id: message.sourceNotificationId,
      a: ctx.accountId,
    });
    sourceNotificationType = src?.type ?? null;
  }

  const agents = listAccountAgents(ctx);
  const ref = (a: (typeof agents)[number]): AgentRef => ({ id: a._id, slug: a.slug, name: a.name, role: a.role });
  const mentionableAgents = agents.map(ref).sort((x, y) => x.name.localeCompare(y.name) || x.slug.localeCompare(y.slug));
  const assignedAgents = task ? mentionableAgents.filter((a) => task.assignedAgentIds.includes(a.id)) : [];

  const chat = task ? isOrchestratorChat(account, task) : false;
  const context: DeliveryContext = {
    notification,
    agent,
    task,
    message,
    thread,
    sourceNotificationType,
    orchestratorAgentId: account.settings.orchestratorAgentId ?? null,
    primaryUserMention: primaryUser(ctx, task, thread),
    mentionableAgents,
    assignedAgents,
    effectiveBehaviorFlags: effectiveFlags(account, agent),
    repositoryDoc: findReferenceDoc(ctx, REPOSITORY_DOC_TITLE, REPOSITORY_DOC_MAX),
    globalBriefingDoc: chat ? findReferenceDoc(ctx, BRIEFING_DOC_TITLE, REPOSITORY_DOC_MAX) : null,
    taskOverview: chat ? taskOverview(ctx) : null,
  };
  if (agent) context.deliverySessionKey = ensureRuntimeSession(ctx, agent, task?._id);
  return context;
}

/** The most recent user author in the thread, otherwise the task's creator when that is a user. */
function primaryUser(ctx: Ctx, task: Task | null, thread: DeliveryContext['thread']): DeliveryContext['primaryUserMention'] {
  const candidates = [...thread].reverse().filter((m) => m.authorType === 'user').map((m) => m.authorId);
  if (task) candidates.push(task.createdBy);
  for (const id of candidates) {
    const user = findUser(ctx, id);
    if (user) return { id: user.id, name: user.name, email: user.email };
  }
  return null;
}

/** Counts and the top tasks per open status, for the orchestrator chat. */
function taskOverview(ctx: Ctx): TaskOverview {
  const overview: TaskOverview = { totals: [], topTasks: [] };
  for (const status of OVERVIEW_STATUSES) {
    const rows = ctx.db.all<TaskRow>(
      'SELECT * FROM tasks WHERE account_id = $a AND status = $status ORDER BY updated_at DESC, rowid DESC LIMIT $limit',
      { a: ctx.accountId, status, limit: OVERVIEW_SCAN },
    );
    overview.totals.push({ status, count: rows.length });
    const top = rows
      .map(taskFromRow)
      .sort((x, y) => x.priority - y.priority || y.updatedAt - x.updatedAt)
      .slice(0, OVERVIEW_TOP);
    overview.topTasks.push({
      status,
      tasks: top.map((t) => ({
        taskId: t._id,
        title: t.title,
        status: t.status,
        priority: t.priority,
        assignedAgentIds: t.assignedAgentIds,
        assignedUserIds: t.assignedUserIds,
      })),
    });
  }
  return overview;
}
