/**
 * The task workflow (original-runtime.md §3.2, §2.2): the transition table,
 * status requirements, the path an agent's status request walks, and the done
 * gate. Pure functions plus the one place a status change is applied.
 */
import type { Agent, AgentTargetStatus, Task, TaskStatus } from '../../core/ports/domain.ts';
import { AGENT_TARGET_STATUSES, TASK_TRANSITIONS } from '../../core/ports/domain.ts';
import { logActivity } from './activities.ts';
import { forbidden, invalidArgument, invalidTransition } from './errors.ts';
import { listAccountAgents, type Account, type Ctx } from './model.ts';
import { notifyStatusChange } from './notifications.ts';

const AGENT_ALLOWED = new Set<TaskStatus>(AGENT_TARGET_STATUSES);

export function isAgentTargetStatus(status: string): status is AgentTargetStatus {
  return AGENT_ALLOWED.has(status as TaskStatus);
}

/**
 * Shortest path from `from` to `to` whose every hop is a legal transition into
 * an agent-allowed status (e.g. assigned → in_progress → review). Returns the
 * statuses after `from`, or null when there is none.
 */
export function findAgentPath(from: TaskStatus, to: TaskStatus): TaskStatus[] | null {
  if (from === to) return [];
  const previous = new Map<TaskStatus, TaskStatus>();
  const queue: TaskStatus[] = [from];
  const seen = new Set<TaskStatus>([from]);
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of TASK_TRANSITIONS[current]) {
      if (!AGENT_ALLOWED.has(next) || seen.has(next)) continue;
      seen.add(next);
      previous.set(next, current);
      if (next === to) {
        const path: TaskStatus[] = [to];
        for (let s = current; s !== from; s = previous.get(s)!) path.unshift(s);
        return path;
      }
      queue.push(next);
    }
  }
  return null;
}

/** `assigned`/`in_progress` need an assignee, `inbox` none, `blocked` a reason (§3.2). */
export function checkStatusRequirements(
  status: TaskStatus,
  task: Pick<Task, 'assignedAgentIds' | 'assignedUserIds' | 'blockedReason'>,
): void {
  const assignees = task.assignedAgentIds.length + task.assignedUserIds.length;
  if ((status === 'assigned' || status === 'in_progress') && assignees === 0) {
    throw invalidArgument(`Status ${status} requires at least one assignee`);
  }
  if (status === 'inbox' && assignees > 0) throw invalidArgument('Status inbox requires no assignees');
  if (status === 'blocked' && !task.blockedReason?.trim()) throw invalidArgument('Status blocked requires a blockedReason');
}

/** Slug `qa`, or a role that says QA / quality assurance (the hosted backend's rule). */
export function isQaAgent(agent: Pick<Agent, 'slug' | 'role'>): boolean {
  return agent.slug.toLowerCase() === 'qa' || /\bqa\b|quality assurance|quality\b/i.test(agent.role);
}

/** Who may mark done: a QA agent when the account has one, otherwise the orchestrator. */
export function requireDoneGate(ctx: Ctx, account: Account, agent: Agent): void {
  const hasQa = listAccountAgents(ctx).some(isQaAgent);
  if (hasQa) {
    if (!isQaAgent(agent)) throw forbidden('QA must approve and mark tasks as done');
    return;
  }
  const orchestratorId = account.settings.orchestratorAgentId;
  if (!orchestratorId) throw forbidden('Orchestrator must be set to mark tasks as done');
  if (orchestratorId !== agent._id) throw forbidden('Only the orchestrator can mark tasks as done');
}

export function requireOrchestrator(account: Account, agentId: string, what: string): void {
  if (account.settings.orchestratorAgentId !== agentId) throw forbidden(`Only the orchestrator can ${what}`);
}

/**
 * Validates an agent's status request against `task` (already carrying any
 * other pending edits) and returns the path to walk; [] means no change. The
 * whole walk happens in the caller's transaction, so it is atomic.
 */
export function planAgentStatusChange(
  ctx: Ctx,
  account: Account,
  task: Task,
  agent: Agent,
  target: TaskStatus,
  blockedReason: string | undefined,
): TaskStatus[] {
  if (!isAgentTargetStatus(target)) {
    throw invalidArgument(`Agents may only set status to ${AGENT_TARGET_STATUSES.join(', ')} (got ${target})`);
  }
  if (task.status === target) return [];
  if (target === 'done') {
    if (task.status !== 'review') throw invalidTransition(`Task must be in review to be marked done (it is ${task.status})`);
    requireDoneGate(ctx, account, agent);
  }
  const path = findAgentPath(task.status, target);
  if (!path) throw invalidTransition(`Cannot move task from ${task.status} to ${target}`);
  const reason = target === 'blocked' ? (blockedReason ?? task.blockedReason) : undefined;
  for (const hop of path) checkStatusRequirements(hop, { ...task, blockedReason: reason });
  return path;
}

/** Applies a planned walk to `task` in memory (the caller saves it). */
export function applyStatus(ctx: Ctx, task: Task, target: TaskStatus, blockedReason: string | undefined): void {
  task.status = target;
  if (target === 'blocked') task.blockedReason = blockedReason ?? task.blockedReason;
  else delete task.blockedReason;
  task.updatedAt = ctx.now;
}

/** Side effects of a completed status change: activity and status_change notifications. */
export function afterStatusChange(ctx: Ctx, task: Task, actor: Agent, from: TaskStatus, path: TaskStatus[]): void {
  const to = path[path.length - 1];
  logActivity(ctx, { type: 'agent', id: actor._id, name: actor.name }, 'task_status_changed', { type: 'task', id: task._id, name: task.title }, {
    from,
    to,
    ...(path.length > 1 ? { path } : {}),
  });
  notifyStatusChange(ctx, task, from, to, actor._id);
}
