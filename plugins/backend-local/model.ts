/**
 * Rows ↔ documents, and account-scoped loaders. Every loader checks that the
 * entity belongs to the calling account: a missing id is "Not found", an id of
 * another account is "Forbidden: … belongs to different account" (§2.1).
 */
import type { Agent, BehaviorFlags, Message, Notification, Task } from '../../core/ports/domain.ts';
import { DEFAULT_BEHAVIOR_FLAGS } from '../../core/ports/domain.ts';
import { compact, json, type Db } from './db.ts';
import { forbidden, notFound } from './errors.ts';

/** What every handler gets: the database (inside a transaction), the time, the account. */
export interface Ctx {
  db: Db;
  now: number;
  accountId: string;
}

export interface AccountSettings {
  orchestratorAgentId?: string;
  orchestratorChatTaskId?: string;
  userMd?: string;
  agentDefaults?: { behaviorFlags?: Partial<BehaviorFlags> };
}

export interface Account {
  id: string;
  name: string;
  slug: string;
  settings: AccountSettings;
  restartRequestedAt?: number;
}

export interface User {
  id: string;
  name: string;
  email: string | null;
}

export function loadAccount(ctx: Ctx): Account {
  const row = ctx.db.get<{ id: string; name: string; slug: string; settings: string; restart_requested_at: number | null }>(
    'SELECT id, name, slug, settings, restart_requested_at FROM accounts WHERE id = $id',
    { id: ctx.accountId },
  );
  if (!row) throw notFound('Account does not exist');
  return compact<Account>({
    id: row.id,
    name: row.name,
    slug: row.slug,
    settings: json<AccountSettings>(row.settings) ?? {},
    restartRequestedAt: row.restart_requested_at,
  });
}

export function saveAccountSettings(ctx: Ctx, settings: AccountSettings): void {
  ctx.db.run('UPDATE accounts SET settings = $s WHERE id = $id', { s: JSON.stringify(settings), id: ctx.accountId });
}

// ---- agents -----------------------------------------------------------------

interface AgentRow {
  id: string;
  account_id: string;
  name: string;
  slug: string;
  role: string;
  description: string | null;
  status: Agent['status'];
  current_task_id: string | null;
  last_heartbeat: number | null;
  heartbeat_interval: number;
  soul_content: string | null;
  identity_content: string | null;
  openclaw_config: string | null;
  created_at: number;
}

export function agentFromRow(r: AgentRow): Agent {
  return compact<Agent>({
    _id: r.id,
    _creationTime: r.created_at,
    accountId: r.account_id,
    name: r.name,
    slug: r.slug,
    role: r.role,
    description: r.description,
    status: r.status,
    currentTaskId: r.current_task_id,
    lastHeartbeat: r.last_heartbeat,
    heartbeatInterval: r.heartbeat_interval,
    soulContent: r.soul_content,
    identityContent: r.identity_content,
    openclawConfig: json(r.openclaw_config),
  });
}

export function findAgent(ctx: Ctx, id: string): Agent | null {
  const row = ctx.db.get<AgentRow>('SELECT * FROM agents WHERE id = $id', { id });
  if (!row || row.account_id !== ctx.accountId) return null;
  return agentFromRow(row);
}

export function getAgent(ctx: Ctx, id: string, what = 'Agent'): Agent {
  const row = ctx.db.get<AgentRow>('SELECT * FROM agents WHERE id = $id', { id });
  if (!row) throw notFound(`${what} not found`);
  if (row.account_id !== ctx.accountId) throw forbidden(`${what} belongs to different account`);
  return agentFromRow(row);
}

export function listAccountAgents(ctx: Ctx): Agent[] {
  return ctx.db
    .all<AgentRow>('SELECT * FROM agents WHERE account_id = $a ORDER BY created_at, rowid', { a: ctx.accountId })
    .map(agentFromRow);
}

// ---- users ------------------------------------------------------------------

export function findUser(ctx: Ctx, id: string): User | null {
  const row = ctx.db.get<{ id: string; name: string; email: string | null; account_id: string }>(
    'SELECT id, name, email, account_id FROM users WHERE id = $id',
    { id },
  );
  if (!row || row.account_id !== ctx.accountId) return null;
  return { id: row.id, name: row.name, email: row.email };
}

export function listAccountUsers(ctx: Ctx): User[] {
  return ctx.db.all<User>('SELECT id, name, email FROM users WHERE account_id = $a ORDER BY created_at, rowid', {
    a: ctx.accountId,
  });
}

// ---- tasks ------------------------------------------------------------------

export interface TaskRow {
  id: string;
  account_id: string;
  title: string;
  description: string | null;
  status: Task['status'];
  priority: number;
  assigned_user_ids: string;
  assigned_agent_ids: string;
  labels: string;
  due_date: number | null;
  blocked_reason: string | null;
  archived_at: number | null;
  metadata: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  last_message_at: number | null;
}

export function taskFromRow(r: TaskRow): Task {
  return compact<Task>({
    _id: r.id,
    _creationTime: r.created_at,
    accountId: r.account_id,
    title: r.title,
    description: r.description,
    status: r.status,
    priority: r.priority,
    assignedUserIds: json<string[]>(r.assigned_user_ids) ?? [],
    assignedAgentIds: json<string[]>(r.assigned_agent_ids) ?? [],
    labels: json<string[]>(r.labels) ?? [],
    dueDate: r.due_date,
    blockedReason: r.blocked_reason,
    archivedAt: r.archived_at,
    metadata: json(r.metadata),
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastMessageAt: r.last_message_at,
  });
}

export function findTask(ctx: Ctx, id: string): Task | null {
  const row = ctx.db.get<TaskRow>('SELECT * FROM tasks WHERE id = $id', { id });
  if (!row || row.account_id !== ctx.accountId) return null;
  return taskFromRow(row);
}

export function getTask(ctx: Ctx, id: string): Task {
  const row = ctx.db.get<TaskRow>('SELECT * FROM tasks WHERE id = $id', { id });
  if (!row) throw notFound('Task not found');
  if (row.account_id !== ctx.accountId) throw forbidden('Task belongs to different account');
  return taskFromRow(row);
}

/** Writes every mutable field of `task` (a full-document replace, like `ctx.db.replace`). */
export function saveTask(ctx: Ctx, task: Task, insert = false): void {
  const params = {
    id: task._id,
    account_id: task.accountId,
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    assigned_user_ids: JSON.stringify(task.assignedUserIds),
    assigned_agent_ids: JSON.stringify(task.assignedAgentIds),
    labels: JSON.stringify(task.labels),
    due_date: task.dueDate,
    blocked_reason: task.blockedReason,
    archived_at: task.archivedAt,
    metadata: task.metadata ? JSON.stringify(task.metadata) : undefined,
    created_by: task.createdBy,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    last_message_at: task.lastMessageAt,
  };
  if (insert) {
    ctx.db.run(
      `INSERT INTO tasks (id, account_id, title, description, status, priority, assigned_user_ids, assigned_agent_ids,
         labels, due_date, blocked_reason, archived_at, metadata, created_by, created_at, updated_at, last_message_at)
       VALUES ($id, $account_id, $title, $description, $status, $priority, $assigned_user_ids, $assigned_agent_ids,
         $labels, $due_date, $blocked_reason, $archived_at, $metadata, $created_by, $created_at, $updated_at, $last_message_at)`,
      params,
    );
  } else {
    ctx.db.run(
      `UPDATE tasks SET title = $title, description = $description, status = $status, priority = $priority,
         assigned_user_ids = $assigned_user_ids, assigned_agent_ids = $assigned_agent_ids, labels = $labels,
         due_date = $due_date, blocked_reason = $blocked_reason, archived_at = $archived_at, metadata = $metadata,
         created_by = $created_by, created_at = $created_at, updated_at = $updated_at, last_message_at = $last_message_at
       WHERE id = $id AND account_id = $account_id`,
      params,
    );
  }
}

// ---- notifications and messages ----------------------------------------------

export interface NotificationRow {
  id: string;
  account_id: string;
  type: Notification['type'];
  recipient_type: Notification['recipientType'];
  recipient_id: string;
  task_id: string | null;
  message_id: string | null;
  title: string;
  body: string;
  delivered_at: number | null;
  read_at: number | null;
  delivery_ended_at: number | null;
  created_at: number;
}

export function notificationFromRow(r: NotificationRow): Notification {
  return compact<Notification>({
    _id: r.id,
    _creationTime: r.created_at,
    accountId: r.account_id,
    type: r.type,
    recipientType: r.recipient_type,
    recipientId: r.recipient_id,
    taskId: r.task_id,
    messageId: r.message_id,
    title: r.title,
    body: r.body,
    deliveredAt: r.delivered_at,
    readAt: r.read_at,
    deliveryEndedAt: r.delivery_ended_at,
    createdAt: r.created_at,
  });
}

export function getNotification(ctx: Ctx, id: string): Notification {
  const row = ctx.db.get<NotificationRow>('SELECT * FROM notifications WHERE id = $id', { id });
  if (!row) throw notFound('Notification not found');
  if (row.account_id !== ctx.accountId) throw forbidden('Notification belongs to different account');
  return notificationFromRow(row);
}

export interface MessageRow {
  id: string;
  account_id: string;
  task_id: string;
  author_type: Message['authorType'];
  author_id: string;
  content: string;
  mentions: string;
  attachments: string | null;
  created_at: number;
  edited_at: number | null;
  source_notification_id: string | null;
}

export function messageFromRow(r: MessageRow): Message {
  return compact<Message>({
    _id: r.id,
    _creationTime: r.created_at,
    accountId: r.account_id,
    taskId: r.task_id,
    authorType: r.author_type,
    authorId: r.author_id,
    content: r.content,
    mentions: json(r.mentions) ?? [],
    attachments: json(r.attachments),
    createdAt: r.created_at,
    editedAt: r.edited_at,
    sourceNotificationId: r.source_notification_id,
  });
}

// ---- behaviour flags -----------------------------------------------------------

/** defaults ← account.settings.agentDefaults.behaviorFlags ← agent.openclawConfig.behaviorFlags (shallow, §2.2). */
export function effectiveFlags(account: Account, agent: Agent | null): BehaviorFlags {
  return {
    ...DEFAULT_BEHAVIOR_FLAGS,
    ...definedOnly(account.settings.agentDefaults?.behaviorFlags),
    ...definedOnly(agent?.openclawConfig?.behaviorFlags),
  };
}

function definedOnly<T extends object>(obj: T | undefined): Partial<T> {
  if (!obj) return {};
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Truncates to `max` characters (content caps of the delivery context). */
export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}
