/**
 * `mc-runtime local …`: act as a Mission Control user on the embedded backend
 * (seed the demo account, create and assign tasks, post messages, read threads
 * and the notification queue). Plain-text output, one item per line.
 */
import { parseArgs } from 'node:util';
import type { Task } from '../../core/ports/domain.ts';
import {
  firstUser,
  listAccounts,
  storedServiceToken,
  userAssignTask,
  userCreateTask,
  userPostMessage,
  withAccount,
} from './admin.ts';
import type { Db } from './db.ts';
import { ServiceError } from './errors.ts';
import { openLocalBackend } from './index.ts';
import { listAccountAgents, loadAccount, notificationFromRow, taskFromRow, type Ctx, type NotificationRow, type TaskRow } from './model.ts';
import { threadItems } from './messages.ts';
import { requestRestart, requestUpgrade } from './runtime.ts';
import { seedDemoAccount } from './seed.ts';
import { UPGRADE_STRATEGIES, type UpgradeStrategy } from '../../core/ports/domain.ts';

export interface LocalCommandIo {
  dbPath: string;
  out: (line: string) => void;
}

export const LOCAL_USAGE = [
  'usage: mc-runtime local <command> [--account <accountId>]',
  '  seed                                        create the demo account (Orion/orion, engineer, qa, a user) and print its token',
  '  token                                       print ACCOUNT_ID and SERVICE_TOKEN of the account',
  '  agents                                      list agents',
  '  tasks                                       list tasks',
  '  task create --title T [--assign slug] [--description D]',
  '  task assign <taskId> <slug>                 add an agent to a task (as the user)',
  '  message <taskId> "text with @slug mentions" post to a task thread as the user',
  '  thread <taskId>                             print a task thread',
  '  notifications [--all]                       agent notifications (undelivered unless --all)',
  '  request-restart                             ask the runtime to restart',
  '  request-upgrade --openclaw V --runtime V [--strategy immediate|rolling|canary]',
];

export async function runLocalCommand(argv: string[], io: LocalCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        account: { type: 'string' },
        title: { type: 'string' },
        assign: { type: 'string' },
        description: { type: 'string' },
        all: { type: 'boolean', default: false },
        openclaw: { type: 'string' },
        runtime: { type: 'string' },
        strategy: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.out(`error: ${(err as Error).message}`);
    LOCAL_USAGE.forEach((l) => io.out(l));
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (!command || values.help || command === 'help') {
    LOCAL_USAGE.forEach((l) => io.out(l));
    return command || values.help ? 0 : 2;
  }
  const backend = openLocalBackend(io.dbPath);
  try {
    if (command === 'seed') return seed(backend.db, io);
    const accountId = pickAccount(backend.db, values.account);
    const inAccount = <T>(mode: 'read' | 'write', fn: (ctx: Ctx) => T): T => withAccount(backend.db, accountId, mode, fn);
    switch (command) {
      case 'token':
        io.out(`ACCOUNT_ID=${accountId}`);
        io.out(`SERVICE_TOKEN=${storedServiceToken(backend.db, accountId) ?? '(none stored)'}`);
        return 0;
      case 'agents':
        return inAccount('read', (ctx) => listAgentsCmd(ctx, io));
      case 'tasks':
        return inAccount('read', (ctx) => listTasksCmd(ctx, io));
      case 'task':
        return inAccount('write', (ctx) => taskCmd(ctx, rest, values, io));
      case 'message': {
        const [taskId, text] = rest;
        if (!taskId || text === undefined) return usageError(io, 'message needs <taskId> "text"');
        return inAccount('write', (ctx) => {
          const messageId = userPostMessage(ctx, requireUser(ctx), taskId, text);
          io.out(`posted message ${messageId}`);
          const notified = ctx.db.all<{ type: string; recipient_id: string }>(
            "SELECT type, recipient_id FROM notifications WHERE message_id = $m AND recipient_type = 'agent' ORDER BY rowid",
            { m: messageId },
          );
          const slugs = slugMap(ctx);
          for (const n of notified) io.out(`notified ${slugs.get(n.recipient_id) ?? n.recipient_id} (${n.type})`);
          return 0;
        });
      }
      case 'thread': {
        const [taskId] = rest;
        if (!taskId) return usageError(io, 'thread needs <taskId>');
        return inAccount('read', (ctx) => {
          const task = findTaskOrThrow(ctx, taskId);
          io.out(`${task._id} [${task.status}] ${task.title}`);
          const items = threadItems(ctx, task._id, 200);
          if (items.length === 0) io.out('(no messages)');
          for (const m of items) io.out(`${time(m.createdAt)} ${m.authorName ?? m.authorId} (${m.authorType}): ${m.content}`);
          return 0;
        });
      }
      case 'notifications':
        return inAccount('read', (ctx) => notificationsCmd(ctx, values.all ?? false, io));
      case 'request-restart':
        inAccount('write', (ctx) => requestRestart(ctx));
        io.out('restart requested');
        return 0;
      case 'request-upgrade': {
        const strategy = (values.strategy ?? 'immediate') as UpgradeStrategy;
        if (!values.openclaw || !values.runtime) return usageError(io, 'request-upgrade needs --openclaw V --runtime V');
        if (!UPGRADE_STRATEGIES.includes(strategy)) return usageError(io, `--strategy must be one of ${UPGRADE_STRATEGIES.join(', ')}`);
        const p = inAccount('write', (ctx) =>
          requestUpgrade(ctx, { targetOpenclawVersion: values.openclaw!, targetRuntimeVersion: values.runtime!, initiatedBy: 'cli', strategy }),
        );
        io.out(`upgrade requested: openclaw ${p.targetOpenclawVersion}, runtime ${p.targetRuntimeVersion} (${p.strategy})`);
        return 0;
      }
      default:
        return usageError(io, `unknown command "${command}"`);
    }
  } catch (err) {
    io.out(`error: ${err instanceof ServiceError || err instanceof CliError ? err.message : (err as Error).message}`);
    return 1;
  } finally {
    backend.close();
  }
}

class CliError extends Error {}

function usageError(io: LocalCommandIo, message: string): number {
  io.out(`error: ${message}`);
  LOCAL_USAGE.forEach((l) => io.out(l));
  return 2;
}

function seed(db: Db, io: LocalCommandIo): number {
  const s = seedDemoAccount(db);
  io.out(s.created ? `seeded demo account ${s.accountId}` : `demo account ${s.accountId} already exists`);
  io.out(`user     ${s.userId}`);
  io.out(`agents   orion ${s.agents.orion} (orchestrator), engineer ${s.agents.engineer}, qa ${s.agents.qa}`);
  io.out(`ACCOUNT_ID=${s.accountId}`);
  io.out(`SERVICE_TOKEN=${s.serviceToken}`);
  return 0;
}

function pickAccount(db: Db, requested: string | undefined): string {
  const accounts = listAccounts(db);
  if (requested) {
    if (!accounts.some((a) => a.id === requested)) throw new CliError(`account ${requested} not found`);
    return requested;
  }
  if (accounts.length === 0) throw new CliError('no account yet: run "mc-runtime local seed" first');
  if (accounts.length > 1) throw new CliError(`several accounts (${accounts.map((a) => a.id).join(', ')}): pass --account <id>`);
  return accounts[0].id;
}

function requireUser(ctx: Ctx): string {
  const user = firstUser(ctx);
  if (!user) throw new CliError('the account has no user');
  return user.id;
}

function slugMap(ctx: Ctx): Map<string, string> {
  return new Map(listAccountAgents(ctx).map((a) => [a._id, a.slug]));
}

function agentIdBySlug(ctx: Ctx, slug: string): string {
  const agent = listAccountAgents(ctx).find((a) => a.slug.toLowerCase() === slug.toLowerCase());
  if (!agent) throw new CliError(`no agent with slug "${slug}"`);
  return agent._id;
}

function findTaskOrThrow(ctx: Ctx, taskId: string): Task {
  const row = ctx.db.get<TaskRow>('SELECT * FROM tasks WHERE id = $id AND account_id = $a', { id: taskId, a: ctx.accountId });
  if (!row) throw new CliError(`task ${taskId} not found`);
  return taskFromRow(row);
}

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function listAgentsCmd(ctx: Ctx, io: LocalCommandIo): number {
  const orchestrator = loadAccount(ctx).settings.orchestratorAgentId;
  for (const a of listAccountAgents(ctx)) {
    io.out(`${a.slug.padEnd(12)} ${a.name.padEnd(10)} ${a.role.padEnd(20)} ${a.status.padEnd(8)} ${a._id}${a._id === orchestrator ? ' (orchestrator)' : ''}`);
  }
  return 0;
}

function describeTask(t: Task, slugs: Map<string, string>): string {
  const who = t.assignedAgentIds.map((id) => slugs.get(id) ?? id).join(', ');
  return `${t._id} [${t.status}] p${t.priority} ${t.title}${who ? ` (assigned: ${who})` : ''}`;
}

function listTasksCmd(ctx: Ctx, io: LocalCommandIo): number {
  const slugs = slugMap(ctx);
  const rows = ctx.db.all<TaskRow>('SELECT * FROM tasks WHERE account_id = $a ORDER BY created_at, rowid', { a: ctx.accountId });
  if (rows.length === 0) io.out('(no tasks)');
  for (const row of rows) io.out(describeTask(taskFromRow(row), slugs));
  return 0;
}

function taskCmd(ctx: Ctx, rest: string[], values: { title?: string; assign?: string; description?: string }, io: LocalCommandIo): number {
  const [sub, ...args] = rest;
  if (sub === 'create') {
    if (!values.title) return usageError(io, 'task create needs --title');
    const assignedAgentIds = values.assign ? [agentIdBySlug(ctx, values.assign)] : [];
    const taskId = userCreateTask(ctx, requireUser(ctx), { title: values.title, description: values.description, assignedAgentIds });
    io.out(`created task ${taskId}`);
    io.out(describeTask(findTaskOrThrow(ctx, taskId), slugMap(ctx)));
    return 0;
  }
  if (sub === 'assign') {
    const [taskId, slug] = args;
    if (!taskId || !slug) return usageError(io, 'task assign needs <taskId> <slug>');
    const task = userAssignTask(ctx, requireUser(ctx), taskId, agentIdBySlug(ctx, slug));
    io.out(describeTask(task, slugMap(ctx)));
    return 0;
  }
  return usageError(io, 'task needs "create" or "assign"');
}

function notificationsCmd(ctx: Ctx, all: boolean, io: LocalCommandIo): number {
  const slugs = slugMap(ctx);
  const rows = ctx.db.all<NotificationRow>(
    `SELECT * FROM notifications WHERE account_id = $a AND recipient_type = 'agent' AND ($all OR delivered_at IS NULL)
     ORDER BY created_at, rowid`,
    { a: ctx.accountId, all: all ? 1 : 0 },
  );
  if (rows.length === 0) io.out(all ? '(no notifications)' : '(no undelivered notifications)');
  for (const row of rows) {
    const n = notificationFromRow(row);
    const state = n.deliveredAt ? `delivered ${time(n.deliveredAt)}` : n.readAt && !n.deliveryEndedAt ? 'in progress' : 'pending';
    io.out(`${n._id} ${time(n.createdAt)} ${n.type.padEnd(16)} → ${slugs.get(n.recipientId) ?? n.recipientId} ${n.taskId ?? '-'} [${state}] ${n.body}`);
  }
  return 0;
}
