/**
 * The operator and user side of the embedded backend: what the Mission Control
 * UI does on the hosted backend (create accounts, agents and users, create and
 * assign tasks, post messages as a user). Used by the seed, the CLI and tests;
 * never reachable through the service surface.
 */
import type { AgentOpenclawConfig, DocumentType, Task, TaskStatus } from '../../core/ports/domain.ts';
import { logActivity } from './activities.ts';
import { generateServiceToken } from './auth.ts';
import type { Db } from './db.ts';
import { invalidArgument, notFound } from './errors.ts';
import { newId } from './ids.ts';
import { postMessage } from './messages.ts';
import { findUser, getAgent, getTask, loadAccount, saveAccountSettings, saveTask, type AccountSettings, type Ctx, type User } from './model.ts';
import { notifyAssignment, subscribeTaskParticipants } from './notifications.ts';

/** Runs `fn` for `accountId` in one transaction. */
export function withAccount<T>(db: Db, accountId: string, mode: 'read' | 'write', fn: (ctx: Ctx) => T, now = Date.now): T {
  return db.transaction(mode, () => fn({ db, now: now(), accountId }));
}

export function createAccount(db: Db, input: { name: string; slug: string; settings?: AccountSettings }, now = Date.now()): {
  accountId: string;
  serviceToken: string;
} {
  const accountId = newId('acct');
  const { token, hash } = generateServiceToken(accountId);
  db.transaction('write', () => {
    db.run(
      `INSERT INTO accounts (id, name, slug, service_token_hash, settings, created_at) VALUES ($id, $name, $slug, $hash, $settings, $now)`,
      { id: accountId, name: input.name, slug: input.slug, hash, settings: JSON.stringify(input.settings ?? {}), now },
    );
    db.run('INSERT INTO local_service_tokens (account_id, token) VALUES ($id, $token)', { id: accountId, token });
  });
  return { accountId, serviceToken: token };
}

/** Issues a new token (the old one stops working at once, as on the hosted backend). */
export function rotateServiceToken(ctx: Ctx): string {
  const { token, hash } = generateServiceToken(ctx.accountId);
  ctx.db.run('UPDATE accounts SET service_token_hash = $hash WHERE id = $id', { id: ctx.accountId, hash });
  ctx.db.run(
    'INSERT INTO local_service_tokens (account_id, token) VALUES ($id, $token) ON CONFLICT (account_id) DO UPDATE SET token = $token',
    { id: ctx.accountId, token },
  );
  return token;
}

export function storedServiceToken(db: Db, accountId: string): string | undefined {
  return db.get<{ token: string }>('SELECT token FROM local_service_tokens WHERE account_id = $id', { id: accountId })?.token;
}

export function listAccounts(db: Db): Array<{ id: string; name: string; slug: string }> {
  return db.all('SELECT id, name, slug FROM accounts ORDER BY created_at, rowid');
}

export function updateAccountSettings(ctx: Ctx, patch: Partial<AccountSettings>): void {
  saveAccountSettings(ctx, { ...loadAccount(ctx).settings, ...patch });
}

export function createUser(ctx: Ctx, input: { name: string; email?: string }): string {
  const id = newId('user');
  ctx.db.run('INSERT INTO users (id, account_id, name, email, created_at) VALUES ($id, $a, $name, $email, $now)', {
    id,
    a: ctx.accountId,
    name: input.name,
    email: input.email,
    now: ctx.now,
  });
  return id;
}

export function createAgent(
  ctx: Ctx,
  input: {
    name: string;
    slug: string;
    role: string;
    description?: string;
    heartbeatInterval?: number;
    soulContent?: string;
    identityContent?: string;
    openclawConfig?: AgentOpenclawConfig;
    orchestrator?: boolean;
  },
): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(input.slug)) throw invalidArgument(`Invalid agent slug "${input.slug}"`);
  const id = newId('agent');
  ctx.db.run(
    `INSERT INTO agents (id, account_id, name, slug, role, description, status, heartbeat_interval, soul_content, identity_content,
       openclaw_config, created_at)
     VALUES ($id, $a, $name, $slug, $role, $desc, 'offline', $hb, $soul, $identity, $config, $now)`,
    {
      id,
      a: ctx.accountId,
      name: input.name,
      slug: input.slug,
      role: input.role,
      desc: input.description,
      hb: input.heartbeatInterval ?? 15,
      soul: input.soulContent,
      identity: input.identityContent,
      config: input.openclawConfig ? JSON.stringify(input.openclawConfig) : undefined,
      now: ctx.now,
    },
  );
  if (input.orchestrator) updateAccountSettings(ctx, { orchestratorAgentId: id });
  return id;
}

export function updateAgentConfig(ctx: Ctx, agentId: string, openclawConfig: AgentOpenclawConfig): void {
  getAgent(ctx, agentId);
  ctx.db.run('UPDATE agents SET openclaw_config = $c WHERE id = $id', { id: agentId, c: JSON.stringify(openclawConfig) });
}

export function createSkill(ctx: Ctx, input: { name: string; slug: string; description?: string; contentMarkdown?: string; isEnabled?: boolean }): string {
  const id = newId('skill');
  ctx.db.run(
    `INSERT INTO skills (id, account_id, name, slug, description, content_markdown, is_enabled, created_at)
     VALUES ($id, $a, $name, $slug, $desc, $md, $on, $now)`,
    { id, a: ctx.accountId, name: input.name, slug: input.slug, desc: input.description, md: input.contentMarkdown, on: input.isEnabled === false ? 0 : 1, now: ctx.now },
  );
  return id;
}

function requireUser(ctx: Ctx, userId: string): User {
  const user = findUser(ctx, userId);
  if (!user) throw notFound('User not found');
  return user;
}

export function firstUser(ctx: Ctx): User | undefined {
  return ctx.db.get<User>('SELECT id, name, email FROM users WHERE account_id = $a ORDER BY created_at, rowid LIMIT 1', {
    a: ctx.accountId,
  });
}

/** A user creates a task; with agent assignees it starts `assigned` and they are notified. */
export function userCreateTask(
  ctx: Ctx,
  userId: string,
  input: { title: string; description?: string; assignedAgentIds?: string[]; labels?: string[]; priority?: number; status?: TaskStatus },
): string {
  const account = loadAccount(ctx);
  const user = requireUser(ctx, userId);
  if (!input.title.trim()) throw invalidArgument('Title is required');
  const assignedAgentIds = [...new Set(input.assignedAgentIds ?? [])];
  for (const id of assignedAgentIds) getAgent(ctx, id, 'Assignee agent');
  const task: Task = {
    _id: newId('task'),
    _creationTime: ctx.now,
    accountId: ctx.accountId,
    title: input.title.trim(),
    status: input.status ?? (assignedAgentIds.length > 0 ? 'assigned' : 'inbox'),
    priority: input.priority ?? 3,
    assignedUserIds: [],
    assignedAgentIds,
    labels: input.labels ?? [],
    createdBy: user.id,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  if (input.description !== undefined) task.description = input.description;
  saveTask(ctx, task, true);
  subscribeTaskParticipants(ctx, account, task, [{ type: 'user', id: user.id }]);
  notifyAssignment(ctx, task, assignedAgentIds);
  logActivity(ctx, { type: 'user', ...user }, 'task_created', { type: 'task', id: task._id, name: task.title });
  return task._id;
}

/** A user adds an agent to a task; an inbox task becomes `assigned`. */
export function userAssignTask(ctx: Ctx, userId: string, taskId: string, agentId: string): Task {
  const account = loadAccount(ctx);
  const user = requireUser(ctx, userId);
  const task = getTask(ctx, taskId);
  const agent = getAgent(ctx, agentId, 'Assignee agent');
  if (task.status === 'archived') throw invalidArgument('Cannot assign an archived task');
  if (task.assignedAgentIds.includes(agent._id)) return task;
  task.assignedAgentIds = [...task.assignedAgentIds, agent._id];
  if (task.status === 'inbox') task.status = 'assigned';
  task.updatedAt = ctx.now;
  saveTask(ctx, task);
  subscribeTaskParticipants(ctx, account, task);
  notifyAssignment(ctx, task, [agent._id]);
  logActivity(ctx, { type: 'user', ...user }, 'task_assigned', { type: 'task', id: task._id, name: task.title }, { assignedAgentIds: [agent._id] });
  return task;
}

export function userPostMessage(ctx: Ctx, userId: string, taskId: string, content: string): string {
  const user = requireUser(ctx, userId);
  return postMessage(ctx, loadAccount(ctx), {
    task: getTask(ctx, taskId),
    author: { type: 'user', id: user.id, name: user.name },
    content,
    allowAgentMentions: true,
  }).messageId;
}

export function userCreateDocument(
  ctx: Ctx,
  userId: string,
  input: { title: string; content: string; type: DocumentType; taskId?: string },
): string {
  requireUser(ctx, userId);
  const id = newId('doc');
  ctx.db.run(
    `INSERT INTO documents (id, account_id, task_id, title, content, type, author_type, author_id, version, created_at, updated_at)
     VALUES ($id, $a, $task, $title, $content, $type, 'user', $author, 1, $now, $now)`,
    { id, a: ctx.accountId, task: input.taskId, title: input.title, content: input.content, type: input.type, author: userId, now: ctx.now },
  );
  return id;
}
