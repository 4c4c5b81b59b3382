/**
 * Task writes by agents: status (#12), create (#13), assign (#14), update (#15),
 * delete (#27) and PR link (#28) of original-runtime.md §2.3.
 */
import type { BackendPort, UpdateTaskStatusResult } from '../../core/ports/backend.ts';
import type { Agent, Task, TaskStatus } from '../../core/ports/domain.ts';
import { logActivity } from './activities.ts';
import { forbidden, invalidArgument, invalidTransition } from './errors.ts';
import { newId } from './ids.ts';
import { effectiveFlags, findUser, getAgent, getTask, loadAccount, saveTask, type Account, type Ctx } from './model.ts';
import { notifyAssignment, subscribe, subscribeTaskParticipants } from './notifications.ts';
import { closeTaskSessions } from './sessions.ts';
import { afterStatusChange, applyStatus, checkStatusRequirements, planAgentStatusChange, requireOrchestrator } from './workflow.ts';

type Args<K extends keyof BackendPort> = NonNullable<Parameters<BackendPort[K]>[0]>;

const MAX_TITLE = 2000;
const MAX_DESCRIPTION = 100_000;
const MAX_REASON = 2000;

const actorOf = (agent: Agent) => ({ type: 'agent' as const, id: agent._id, name: agent.name });

function checkTitle(title: string): string {
  const t = title.trim();
  if (!t) throw invalidArgument('Title is required');
  if (t.length > MAX_TITLE) throw invalidArgument(`Title too long (max ${MAX_TITLE} characters)`);
  return t;
}

function checkText(value: string | undefined, max: number, what: string): string | undefined {
  if (value !== undefined && value.length > max) throw invalidArgument(`${what} too long (max ${max} characters)`);
  return value;
}

function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 1 || priority > 5) throw invalidArgument('Priority must be an integer from 1 to 5');
  return priority;
}

/** Distinct agent ids, each an agent of this account. */
function checkAgentIds(ctx: Ctx, ids: readonly string[]): string[] {
  const unique = [...new Set(ids)];
  for (const id of unique) getAgent(ctx, id, 'Assignee agent');
  return unique;
}

function requireFlag(account: Account, agent: Agent, flag: 'canCreateTasks' | 'canModifyTaskStatus', what: string): void {
  if (!effectiveFlags(account, agent)[flag]) throw forbidden(`Agent is not allowed to ${what}`);
}

export function updateTaskStatusFromAgent(ctx: Ctx, args: Args<'updateTaskStatusFromAgent'>): UpdateTaskStatusResult {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  const task = getTask(ctx, args.taskId);
  requireFlag(account, agent, 'canModifyTaskStatus', 'modify task status');
  checkText(args.blockedReason, MAX_REASON, 'Blocked reason');
  const unchanged = { success: true as const, taskId: task._id, requestedStatus: args.status, status: task.status, updatedAt: task.updatedAt, changed: false };
  // Someone else moved the task since the caller looked: do nothing, report where it is.
  if (args.expectedStatus !== undefined && args.expectedStatus !== task.status) return unchanged;
  const path = planAgentStatusChange(ctx, account, task, agent, args.status, args.blockedReason);
  if (path.length === 0) return unchanged;
  const from = task.status;
  applyStatus(ctx, task, args.status, args.blockedReason);
  saveTask(ctx, task);
  afterStatusChange(ctx, task, agent, from, path);
  return { success: true, taskId: task._id, requestedStatus: args.status, status: task.status, updatedAt: task.updatedAt, changed: true };
}

export function createTaskFromAgent(ctx: Ctx, args: Args<'createTaskFromAgent'>): { taskId: string } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  requireFlag(account, agent, 'canCreateTasks', 'create tasks');
  const title = checkTitle(args.title);
  checkText(args.description, MAX_DESCRIPTION, 'Description');
  checkText(args.blockedReason, MAX_REASON, 'Blocked reason');
  let assignedAgentIds = checkAgentIds(ctx, args.assignedAgentIds ?? []);
  let status: TaskStatus = args.status ?? 'inbox';
  if (status === 'inbox' && assignedAgentIds.length > 0) status = 'assigned';
  if ((status === 'assigned' || status === 'in_progress') && assignedAgentIds.length === 0) assignedAgentIds = [agent._id];
  const task: Task = {
    _id: newId('task'),
    _creationTime: ctx.now,
    accountId: ctx.accountId,
    title,
    status,
    priority: checkPriority(args.priority ?? 3),
    assignedUserIds: [],
    assignedAgentIds,
    labels: args.labels ?? [],
    createdBy: agent._id,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  if (args.description !== undefined) task.description = args.description;
  if (args.dueDate !== undefined) task.dueDate = args.dueDate;
  if (status === 'blocked') task.blockedReason = args.blockedReason;
  if (status === 'archived') task.archivedAt = ctx.now;
  checkStatusRequirements(status, task);
  saveTask(ctx, task, true);
  subscribeTaskParticipants(ctx, account, task, [{ type: 'agent', id: agent._id }]);
  notifyAssignment(ctx, task, assignedAgentIds, agent._id);
  logActivity(ctx, actorOf(agent), 'task_created', { type: 'task', id: task._id, name: task.title }, { status });
  return { taskId: task._id };
}

export function assignTaskFromAgent(ctx: Ctx, args: Args<'assignTaskFromAgent'>): { taskId: string } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  requireOrchestrator(account, agent._id, 'assign tasks');
  const task = getTask(ctx, args.taskId);
  if (task.status === 'archived') throw invalidTransition('Cannot assign an archived task');
  const ids = checkAgentIds(ctx, args.assignedAgentIds);
  if (ids.length === 0) throw invalidArgument('assignedAgentIds must name at least one agent');
  const added = ids.filter((id) => !task.assignedAgentIds.includes(id));
  if (added.length === 0) return { taskId: task._id };
  task.assignedAgentIds = [...task.assignedAgentIds, ...added];
  // Hosted-backend behaviour: an inbox task with agent assignees goes straight to in_progress.
  const from = task.status;
  if (task.status === 'inbox') task.status = 'in_progress';
  task.updatedAt = ctx.now;
  saveTask(ctx, task);
  subscribeTaskParticipants(ctx, account, task);
  notifyAssignment(ctx, task, added, agent._id);
  logActivity(ctx, actorOf(agent), 'task_assigned', { type: 'task', id: task._id, name: task.title }, {
    assignedAgentIds: added,
    ...(from !== task.status ? { from, to: task.status } : {}),
  });
  return { taskId: task._id };
}

export function updateTaskFromAgent(ctx: Ctx, args: Args<'updateTaskFromAgent'>): { taskId: string; changedFields: string[] } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  const original = getTask(ctx, args.taskId);
  requireFlag(account, agent, 'canModifyTaskStatus', 'update tasks');
  const task: Task = structuredClone(original);
  const changed: string[] = [];
  const set = <K extends keyof Task>(field: K, value: Task[K]) => {
    if (JSON.stringify(task[field]) === JSON.stringify(value)) return;
    task[field] = value;
    changed.push(field);
  };
  if (args.title !== undefined) set('title', checkTitle(args.title));
  if (args.description !== undefined) set('description', checkText(args.description, MAX_DESCRIPTION, 'Description'));
  if (args.priority !== undefined) set('priority', checkPriority(args.priority));
  if (args.labels !== undefined) set('labels', args.labels);
  if (args.dueDate !== undefined) set('dueDate', args.dueDate);
  if (args.assignedAgentIds !== undefined) set('assignedAgentIds', checkAgentIds(ctx, args.assignedAgentIds));
  if (args.assignedUserIds !== undefined) {
    const users = [...new Set(args.assignedUserIds)];
    for (const id of users) if (!findUser(ctx, id)) throw invalidArgument(`User ${id} is not a member of this account`);
    set('assignedUserIds', users);
  }
  checkText(args.blockedReason, MAX_REASON, 'Blocked reason');
  let path: TaskStatus[] = [];
  if (args.status !== undefined) {
    path = planAgentStatusChange(ctx, account, task, agent, args.status, args.blockedReason);
    if (path.length > 0) {
      applyStatus(ctx, task, args.status, args.blockedReason);
      changed.push('status');
    }
  }
  if (path.length === 0 && args.blockedReason !== undefined && task.status === 'blocked') set('blockedReason', args.blockedReason);
  if ((task.status === 'assigned' || task.status === 'in_progress') && task.assignedAgentIds.length + task.assignedUserIds.length === 0) {
    throw invalidArgument(`Cannot remove every assignee while the task is ${task.status}`);
  }
  if (changed.length === 0) return { taskId: task._id, changedFields: [] };
  task.updatedAt = ctx.now;
  saveTask(ctx, task);
  subscribeTaskParticipants(ctx, account, task);
  notifyAssignment(ctx, task, task.assignedAgentIds.filter((id) => !original.assignedAgentIds.includes(id)), agent._id);
  if (path.length > 0) afterStatusChange(ctx, task, agent, original.status, path);
  logActivity(ctx, actorOf(agent), 'task_updated', { type: 'task', id: task._id, name: task.title }, { changedFields: changed });
  return { taskId: task._id, changedFields: changed };
}

export function deleteTaskFromAgent(ctx: Ctx, args: Args<'deleteTaskFromAgent'>): { success: true } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  requireOrchestrator(account, agent._id, 'delete tasks');
  const task = getTask(ctx, args.taskId);
  const reason = args.reason.trim();
  if (!reason) throw invalidArgument('A reason is required');
  checkText(reason, MAX_REASON, 'Reason');
  // Archiving is allowed from any status (hosted-backend behaviour); it is terminal.
  const from = task.status;
  task.status = 'archived';
  task.archivedAt = ctx.now;
  task.updatedAt = ctx.now;
  saveTask(ctx, task);
  closeTaskSessions(ctx, task._id, 'task_archived');
  logActivity(ctx, actorOf(agent), 'task_deleted', { type: 'task', id: task._id, name: task.title }, { reason, from });
  return { success: true };
}

export function linkTaskToPrForAgentTool(ctx: Ctx, args: Args<'linkTaskToPrForAgentTool'>): { success: true } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  requireOrchestrator(account, agent._id, 'link tasks to pull requests');
  const task = getTask(ctx, args.taskId);
  if (!Number.isInteger(args.prNumber) || args.prNumber <= 0) throw invalidArgument('prNumber must be a positive integer');
  task.metadata = { ...task.metadata, prNumber: args.prNumber };
  task.updatedAt = ctx.now;
  saveTask(ctx, task);
  subscribe(ctx, task._id, { type: 'agent', id: agent._id });
  logActivity(ctx, actorOf(agent), 'task_pr_linked', { type: 'task', id: task._id, name: task.title }, { prNumber: args.prNumber });
  return { success: true };
}
