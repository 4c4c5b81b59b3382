/**
 * Task reads: assigned tasks and heartbeat lists (#9, #10), the orchestrator's
 * tools (#16–18, #20) and task details / history for any agent (#25, #26).
 */
import type { ActivityItem, Task, TaskSearchResult, TaskStatus, ThreadItem } from '../../core/ports/domain.ts';
import { listActivities } from './activities.ts';
import { invalidArgument } from './errors.ts';
import { getAgent, getTask, loadAccount, taskFromRow, type Ctx, type TaskRow } from './model.ts';
import { threadItems } from './messages.ts';
import { requireOrchestrator } from './workflow.ts';

/** `value` defaulted, truncated to an integer and clamped to [min, max]. */
export function clampLimit(value: number | undefined, fallback: number, min: number, max: number): number {
  const n = value === undefined || !Number.isFinite(value) ? fallback : Math.trunc(value);
  return Math.min(max, Math.max(min, n));
}

const ASSIGNED_TO = `EXISTS (SELECT 1 FROM json_each(tasks.assigned_agent_ids) WHERE json_each.value = $agent)`;

export function listAssignedTasksForAgent(ctx: Ctx, args: { agentId: string; includeDone?: boolean; limit?: number }): Task[] {
  const agent = getAgent(ctx, args.agentId);
  const limit = clampLimit(args.limit, 50, 1, 200);
  return ctx.db
    .all<TaskRow>(
      `SELECT * FROM tasks WHERE account_id = $a AND ${ASSIGNED_TO} AND ($includeDone OR status != 'done')
       ORDER BY updated_at DESC, rowid DESC LIMIT $limit`,
      { a: ctx.accountId, agent: agent._id, includeDone: args.includeDone ? 1 : 0, limit },
    )
    .map(taskFromRow);
}

export function listTasksForOrchestratorHeartbeat(ctx: Ctx, args: { statuses: TaskStatus[]; limit?: number }): Task[] {
  const limit = clampLimit(args.limit, 50, 1, 200);
  const rows: TaskRow[] = [];
  for (const status of new Set(args.statuses)) {
    rows.push(
      ...ctx.db.all<TaskRow>(
        'SELECT * FROM tasks WHERE account_id = $a AND status = $status ORDER BY updated_at DESC, rowid DESC LIMIT $limit',
        { a: ctx.accountId, status, limit },
      ),
    );
  }
  return rows
    .sort((x, y) => y.updated_at - x.updated_at)
    .slice(0, limit)
    .map(taskFromRow);
}

function requireOrchestratorAgent(ctx: Ctx, agentId: string, what: string): void {
  const agent = getAgent(ctx, agentId);
  requireOrchestrator(loadAccount(ctx), agent._id, what);
}

export function listTasksForAgentTool(
  ctx: Ctx,
  args: { agentId: string; status?: TaskStatus; assigneeAgentId?: string; limit?: number },
): Task[] {
  requireOrchestratorAgent(ctx, args.agentId, 'list tasks');
  if (args.assigneeAgentId !== undefined) getAgent(ctx, args.assigneeAgentId, 'Assignee agent');
  const limit = clampLimit(args.limit, 50, 1, 200);
  return ctx.db
    .all<TaskRow>(
      `SELECT * FROM tasks WHERE account_id = $a AND ($status IS NULL OR status = $status)
         AND ($agent IS NULL OR ${ASSIGNED_TO})
       ORDER BY updated_at DESC, rowid DESC LIMIT $limit`,
      { a: ctx.accountId, status: args.status, agent: args.assigneeAgentId, limit },
    )
    .map(taskFromRow);
}

export function getTaskForAgentTool(ctx: Ctx, args: { agentId: string; taskId: string }): Task | null {
  requireOrchestratorAgent(ctx, args.agentId, 'read tasks');
  const row = ctx.db.get<TaskRow>('SELECT * FROM tasks WHERE id = $id', { id: args.taskId });
  if (!row) return null;
  return getTask(ctx, args.taskId);
}

export function listTaskThreadForAgentTool(ctx: Ctx, args: { agentId: string; taskId: string; limit?: number }): ThreadItem[] {
  requireOrchestratorAgent(ctx, args.agentId, 'read task threads');
  const task = getTask(ctx, args.taskId);
  return threadItems(ctx, task._id, clampLimit(args.limit, 50, 1, 200));
}

/** Case-insensitive substring match; title +3, description +2, blocked reason +1. */
export function searchTasksForAgentTool(ctx: Ctx, args: { agentId: string; query: string; limit?: number }): TaskSearchResult[] {
  requireOrchestratorAgent(ctx, args.agentId, 'search tasks');
  const needle = args.query.trim().toLowerCase();
  if (!needle) throw invalidArgument('A search query is required');
  const limit = clampLimit(args.limit, 20, 1, 100);
  const results: TaskSearchResult[] = [];
  for (const row of ctx.db.all<TaskRow>('SELECT * FROM tasks WHERE account_id = $a', { a: ctx.accountId })) {
    const t = taskFromRow(row);
    const score =
      (t.title.toLowerCase().includes(needle) ? 3 : 0) +
      (t.description?.toLowerCase().includes(needle) ? 2 : 0) +
      (t.blockedReason?.toLowerCase().includes(needle) ? 1 : 0);
    if (score === 0) continue;
    const r: TaskSearchResult = {
      _id: t._id,
      title: t.title,
      status: t.status,
      priority: t.priority,
      assignedAgentIds: t.assignedAgentIds,
      assignedUserIds: t.assignedUserIds,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      relevanceScore: score,
    };
    if (t.blockedReason !== undefined) r.blockedReason = t.blockedReason;
    results.push(r);
  }
  return results.sort((x, y) => y.relevanceScore - x.relevanceScore || y.updatedAt - x.updatedAt).slice(0, limit);
}

export function loadTaskDetailsForAgentTool(
  ctx: Ctx,
  args: { agentId: string; taskId: string; messageLimit?: number },
): { task: Task; thread: ThreadItem[] } {
  getAgent(ctx, args.agentId);
  const task = getTask(ctx, args.taskId);
  return { task, thread: threadItems(ctx, task._id, clampLimit(args.messageLimit, 10, 1, 200)) };
}

export function getTaskHistoryForAgentTool(
  ctx: Ctx,
  args: { agentId: string; taskId: string; messageLimit?: number; activityLimit?: number },
): {
  task: Task;
  messages: ThreadItem[];
  activities: ActivityItem[];
  meta: { messageLimitApplied: number; activityLimitApplied: number };
} {
  getAgent(ctx, args.agentId);
  const task = getTask(ctx, args.taskId);
  const messageLimit = clampLimit(args.messageLimit, 25, 1, 200);
  const activityLimit = clampLimit(args.activityLimit, 30, 0, 200);
  return {
    task,
    messages: threadItems(ctx, task._id, messageLimit),
    activities: listActivities(ctx, task._id, activityLimit),
    meta: { messageLimitApplied: messageLimit, activityLimitApplied: activityLimit },
  };
}
