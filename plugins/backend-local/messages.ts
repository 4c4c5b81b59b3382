/**
 * Thread messages: posting (idempotent by sourceNotificationId), mention
 * resolution, and the mention / thread_update notifications a message causes
 * (original-runtime.md §2.3 #24, §3.1).
 */
import type { Message, MessageMention, Task, ThreadItem } from '../../core/ports/domain.ts';
import { ORCHESTRATOR_CHAT_LABEL } from '../../core/ports/domain.ts';
import { logActivity } from './activities.ts';
import { invalidArgument } from './errors.ts';
import { newId } from './ids.ts';
import {
  clip,
  effectiveFlags,
  getAgent,
  getNotification,
  getTask,
  listAccountAgents,
  loadAccount,
  listAccountUsers,
  messageFromRow,
  saveTask,
  type Account,
  type Ctx,
  type MessageRow,
} from './model.ts';
import { insertNotification, listSubscribers, notifyThreadUpdate, subscribe, subscribeTaskParticipants } from './notifications.ts';
import { requireOrchestrator } from './workflow.ts';

export const MAX_MESSAGE_LENGTH = 100_000;

export interface Author {
  type: 'user' | 'agent';
  id: string;
  name: string;
}

export interface PostMessageInput {
  task: Task;
  author: Author;
  content: string;
  /** Agents mention other agents only with canMentionAgents; users always may. */
  allowAgentMentions: boolean;
  suppressAgentNotifications?: boolean;
  attachments?: Message['attachments'];
  sourceNotificationId?: string;
}

export function isOrchestratorChat(account: Account, task: Task): boolean {
  return task.labels.includes(ORCHESTRATOR_CHAT_LABEL) || account.settings.orchestratorChatTaskId === task._id;
}

/** Posts a message; with a sourceNotificationId already used, returns that message instead. */
export function postMessage(ctx: Ctx, account: Account, input: PostMessageInput): { messageId: string; created: boolean } {
  const { task, author } = input;
  if (input.sourceNotificationId) {
    const existing = ctx.db.get<{ id: string }>(
      'SELECT id FROM messages WHERE account_id = $a AND source_notification_id = $src',
      { a: ctx.accountId, src: input.sourceNotificationId },
    );
    if (existing) return { messageId: existing.id, created: false };
  }
  if (input.content.length > MAX_MESSAGE_LENGTH) throw invalidArgument(`Message content too long (max ${MAX_MESSAGE_LENGTH} characters)`);
  if (!input.content.trim() && !input.attachments?.length) throw invalidArgument('Message content is required');

  const chat = isOrchestratorChat(account, task);
  const agentMentionsOn = input.allowAgentMentions && !input.suppressAgentNotifications;
  const resolved = chat ? { mentions: [], agentIds: [], userIds: [] } : resolveMentions(ctx, input.content, author, agentMentionsOn);

  const messageId = newId('msg');
  ctx.db.run(
    `INSERT INTO messages (id, account_id, task_id, author_type, author_id, content, mentions, attachments, created_at, source_notification_id)
     VALUES ($id, $a, $task, $at, $aid, $content, $mentions, $att, $now, $src)`,
    {
      id: messageId,
      a: ctx.accountId,
      task: task._id,
      at: author.type,
      aid: author.id,
      content: input.content,
      mentions: JSON.stringify(resolved.mentions),
      att: input.attachments ? JSON.stringify(input.attachments) : undefined,
      now: ctx.now,
      src: input.sourceNotificationId,
    },
  );
  saveTask(ctx, { ...task, lastMessageAt: ctx.now });
  subscribeTaskParticipants(ctx, account, task);
  subscribe(ctx, task._id, { type: author.type, id: author.id });

  const where = `task "${task.title}"`;
  for (const agentId of resolved.agentIds) {
    insertNotification(ctx, {
      type: 'mention', recipientType: 'agent', recipientId: agentId, taskId: task._id, messageId,
      title: `${author.name} mentioned you`, body: `${author.name} mentioned you in ${where}`,
    });
  }
  for (const userId of resolved.userIds) {
    insertNotification(ctx, {
      type: 'mention', recipientType: 'user', recipientId: userId, taskId: task._id, messageId,
      title: `${author.name} mentioned you`, body: `${author.name} mentioned you in ${where}`,
    });
  }

  // Thread updates go to subscribers other than the author and those just mentioned.
  const mentioned = new Set([...resolved.agentIds, ...resolved.userIds]);
  const orchestratorId = account.settings.orchestratorAgentId;
  const agentUpdatesOff = task.status === 'done' || task.status === 'blocked' || !!input.suppressAgentNotifications;
  for (const sub of listSubscribers(ctx, task._id)) {
    if (sub.id === author.id || mentioned.has(sub.id)) continue;
    if (sub.type === 'agent') {
      if (agentUpdatesOff) continue;
      // Orchestrator chat talks to the orchestrator only; elsewhere a message that
      // mentions agents reaches agents through the mentions alone.
      if (chat ? sub.id !== orchestratorId : resolved.agentIds.length > 0) continue;
    }
    notifyThreadUpdate(ctx, {
      recipientType: sub.type, recipientId: sub.id, taskId: task._id, messageId,
      title: `New message in "${clip(task.title, 80)}"`, body: `New message in ${where}`,
    });
  }
  logActivity(ctx, author, 'message_created', { type: 'task', id: task._id, name: task.title }, { messageId });
  return { messageId, created: true };
}

const MENTION = /(^|[^\w@.])@([a-z0-9][a-z0-9_-]*)/gi;

/**
 * `@slug` mentions an agent, `@all` everyone, `@name` a user (lower-cased name
 * without spaces, or the email's local part). The author never mentions itself.
 */
function resolveMentions(
  ctx: Ctx,
  content: string,
  author: Author,
  agentMentionsOn: boolean,
): { mentions: MessageMention[]; agentIds: string[]; userIds: string[] } {
  const tokens = new Set<string>();
  for (const m of content.matchAll(MENTION)) tokens.add(m[2].toLowerCase());
  if (tokens.size === 0) return { mentions: [], agentIds: [], userIds: [] };
  const agents = listAccountAgents(ctx).filter((a) => a._id !== author.id);
  const users = listAccountUsers(ctx).filter((u) => u.id !== author.id);
  const userHandles = (u: { name: string; email: string | null }) =>
    [u.name.toLowerCase().replace(/\s+/g, ''), u.email?.split('@')[0]?.toLowerCase()].filter(Boolean);

  if (tokens.has('all')) {
    return {
      mentions: [{ type: 'all', id: 'all', name: 'all' }],
      agentIds: agentMentionsOn ? agents.map((a) => a._id) : [],
      userIds: users.map((u) => u.id),
    };
  }
  const mentions: MessageMention[] = [];
  const agentIds: string[] = [];
  const userIds: string[] = [];
  for (const agent of agents) {
    if (agentMentionsOn && tokens.has(agent.slug.toLowerCase())) {
      mentions.push({ type: 'agent', id: agent._id, name: agent.name, slug: agent.slug });
      agentIds.push(agent._id);
    }
  }
  for (const user of users) {
    if (userHandles(user).some((h) => tokens.has(h!))) {
      mentions.push({ type: 'user', id: user.id, name: user.name });
      userIds.push(user.id);
    }
  }
  return { mentions, agentIds, userIds };
}

// ---- reading threads ---------------------------------------------------------------

/** The last `limit` messages of a task, oldest first; `maxContent` truncates each text. */
export function threadItems(ctx: Ctx, taskId: string, limit: number, maxContent?: number): ThreadItem[] {
  const rows = ctx.db.all<MessageRow>(
    `SELECT * FROM (SELECT *, rowid AS r FROM messages WHERE task_id = $task AND account_id = $a
       ORDER BY created_at DESC, rowid DESC LIMIT $limit) ORDER BY created_at, r`,
    { task: taskId, a: ctx.accountId, limit },
  );
  const names = authorNames(ctx);
  return rows.map((r) => ({
    messageId: r.id,
    authorType: r.author_type,
    authorId: r.author_id,
    authorName: names.get(r.author_id) ?? null,
    content: maxContent === undefined ? r.content : clip(r.content, maxContent),
    createdAt: r.created_at,
  }));
}

export function authorNames(ctx: Ctx): Map<string, string> {
  const names = new Map<string, string>();
  for (const a of listAccountAgents(ctx)) names.set(a._id, a.name);
  for (const u of listAccountUsers(ctx)) names.set(u.id, u.name);
  return names;
}

export function findMessage(ctx: Ctx, id: string): Message | null {
  const row = ctx.db.get<MessageRow>('SELECT * FROM messages WHERE id = $id AND account_id = $a', { id, a: ctx.accountId });
  return row ? messageFromRow(row) : null;
}

// ---- handlers ------------------------------------------------------------------------

/** #24: an agent's reply in a thread; idempotent by sourceNotificationId. */
export function createMessageFromAgent(
  ctx: Ctx,
  args: {
    taskId: string;
    agentId: string;
    content: string;
    suppressAgentNotifications?: boolean;
    attachments?: Array<{ storageId: string; name: string; type: string; size: number; url?: string }>;
    sourceNotificationId?: string;
  },
): { messageId: string } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  const task = getTask(ctx, args.taskId);
  if (args.sourceNotificationId) getNotification(ctx, args.sourceNotificationId);
  const { messageId } = postMessage(ctx, account, {
    task,
    author: { type: 'agent', id: agent._id, name: agent.name },
    content: args.content,
    allowAgentMentions: effectiveFlags(account, agent).canMentionAgents,
    suppressAgentNotifications: args.suppressAgentNotifications,
    attachments: args.attachments,
    sourceNotificationId: args.sourceNotificationId,
  });
  return { messageId };
}

/** #19: the orchestrator posts into any task's thread. */
export function createTaskMessageForAgentTool(ctx: Ctx, args: { agentId: string; taskId: string; content: string }): { messageId: string } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  requireOrchestrator(account, agent._id, 'post task messages');
  const task = getTask(ctx, args.taskId);
  const { messageId } = postMessage(ctx, account, {
    task,
    author: { type: 'agent', id: agent._id, name: agent.name },
    content: args.content,
    allowAgentMentions: effectiveFlags(account, agent).canMentionAgents,
  });
  return { messageId };
}
