/**
 * One heartbeat for one agent: tracked tasks → focus task and its thread →
 * prompt → gateway turn with the agent's tools → reply classification → at most
 * one post → lastHeartbeat. Fixes original-runtime.md §15.1 #6: NO_REPLY and
 * placeholders are never posted (delivery's `classifyReply`), and a "Task ID:"
 * in the text is honoured only for a task this heartbeat tracks.
 */
import type { Logger } from 'pino';
import { isBackendError, type BackendPort } from '../../core/ports/backend.ts';
import type { AgentWithSession, Id, Task, TaskStatus, ThreadItem } from '../../core/ports/domain.ts';
import { isGatewayError, type GatewayPort } from '../../core/ports/gateway.ts';
import { capabilitiesForAgent } from '../../core/tools/capabilities.ts';
import type { ToolExecutor } from '../../core/tools/executor.ts';
import type { ToolCallSubject } from '../../core/hooks.ts';
import { classifyReply } from '../delivery/reply.ts';
import { buildHeartbeatInput, buildHeartbeatInstructions } from './prompt.ts';

/** The backend's message cap; a longer post would be refused. */
const MAX_MESSAGE_CHARS = 100_000;
const THREAD_MESSAGES = 8;
const ORCHESTRATOR_LIST_LIMIT = 200;
const ORCHESTRATOR_STATUSES: TaskStatus[] = ['in_progress', 'review', 'assigned'];
/** Regular agents track what they are working on; review waits on others. */
const AGENT_STATUSES: TaskStatus[] = ['in_progress', 'assigned'];
const STATUS_RANK: Partial<Record<TaskStatus, number>> = { in_progress: 0, review: 1, assigned: 2 };
const TASK_ID_LINE = /Task ID:\s*([A-Za-z0-9_-]+)/i;

export interface CycleOptions {
  runTimeoutMs: number;
  maxTrackedTasks: number;
  okToken: string;
  silentToken: string;
  orchestratorFollowUps: boolean;
}

export interface CycleDeps {
  backend: BackendPort;
  gateway: GatewayPort;
  executor: ToolExecutor;
  logger: Logger;
  now(): number;
  options: CycleOptions;
  /** Tasks with undelivered notifications for the agent: delivery brings those, so the heartbeat leaves them out. */
  pendingTaskIds?: () => ReadonlySet<Id>;
  /** Has delivery look for work it has not seen yet (AgentTurns.refresh); pendingTaskIds covers it afterwards. */
  refreshPending?: () => Promise<void>;
}

export interface CycleResult {
  outcome: 'ok' | 'posted' | 'skipped' | 'failed';
  taskId?: Id;
  reason: string;
}

/** Status rank, then staleness (least recently updated first), so neglected work surfaces. */
export function pickTracked(tasks: Task[], statuses: TaskStatus[], max: number): Task[] {
  const seen = new Set<Id>();
  return tasks
    .filter((t) => statuses.includes(t.status) && !seen.has(t._id) && seen.add(t._id))
    .sort((a, b) => (STATUS_RANK[a.status] ?? 9) - (STATUS_RANK[b.status] ?? 9) || a.updatedAt - b.updatedAt)
    .slice(0, max);
}

/**
 * Where an update goes: the task named by "Task ID:" if it is tracked here,
 * else the focus task. Never an arbitrary task from the text (§15.1 #6).
 */
export function postTarget(text: string, tracked: Task[], focus: Task | undefined): { taskId: Id | undefined; refused?: string } {
  const named = TASK_ID_LINE.exec(text)?.[1];
  if (named && tracked.some((t) => t._id === named)) return { taskId: named };
  return { taskId: focus?._id, refused: named && named !== focus?._id ? named : undefined };
}

function isOk(text: string | null, okToken: string): boolean {
  // classifyReply knows HEARTBEAT_OK; a configured token of another name is matched exactly here.
  return okToken !== 'HEARTBEAT_OK' && (text ?? '').trim() === okToken;
}

export async function runHeartbeatCycle(deps: CycleDeps, agent: AgentWithSession, signal: AbortSignal): Promise<CycleResult> {
  const { backend, gateway, executor, logger, options } = deps;
  const log = logger.child({ agent: agent.slug });
  if (gateway.status().reachable === 'down') return { outcome: 'skipped', reason: 'gateway unreachable' };

  const orchestratorAgentId = await backend
    .getOrchestratorAgentId()
    .then((r) => r.orchestratorAgentId)
    .catch((err: unknown) => {
      log.warn({ err }, 'orchestrator lookup failed; heartbeat runs as a regular agent');
      return null;
    });
  const isOrchestrator = orchestratorAgentId === agent._id;
  const followUps = isOrchestrator && options.orchestratorFollowUps;

  const assigned = await backend.listAssignedTasksForAgent({ agentId: agent._id, includeDone: false, limit: options.maxTrackedTasks });
  const account = followUps ? await backend.listTasksForOrchestratorHeartbeat({ statuses: ORCHESTRATOR_STATUSES, limit: ORCHESTRATOR_LIST_LIMIT }) : [];
  let pending = deps.pendingTaskIds?.() ?? new Set<Id>();
  // A task still "assigned" to this agent may have an assignment the delivery loop has not listed
  // yet (it polls on its schedule): the heartbeat would answer it first, and the delivery again.
  // One poll settles it; it happens only while such a task exists, not on every heartbeat.
  if (deps.refreshPending && assigned.some((t) => t.status === 'assigned' && !pending.has(t._id))) {
    await deps.refreshPending();
    pending = deps.pendingTaskIds?.() ?? pending;
  }
  const candidates = [...assigned, ...account].filter((t) => !pending.has(t._id));
  const tracked = pickTracked(candidates, followUps ? ORCHESTRATOR_STATUSES : AGENT_STATUSES, options.maxTrackedTasks);
  const focus = tracked[0];

  let thread: ThreadItem[] = [];
  if (focus) {
    thread = await backend
      .loadTaskDetailsForAgentTool({ agentId: agent._id, taskId: focus._id, messageLimit: THREAD_MESSAGES })
      .then((d) => d.thread)
      .catch((err: unknown) => {
        log.warn({ err, taskId: focus._id }, 'focus thread unavailable; heartbeat runs without it');
        return [];
      });
  }

  const capabilities = capabilitiesForAgent(agent, orchestratorAgentId, focus);
  const subject: ToolCallSubject = { agentId: agent._id, agentSlug: agent.slug, taskId: focus?._id, via: 'gateway' };
  const availability = { subject, capabilities };
  const promptInput = {
    agent,
    tracked,
    focus,
    thread,
    now: deps.now(),
    okToken: options.okToken,
    silentToken: options.silentToken,
    orchestratorFollowUps: followUps,
    capabilityLines: executor.capabilityLines(availability, 'tools'),
  };

  let text: string | null;
  let toolCalls = 0;
  try {
    const result = await gateway.runAgentTurn({
      agentSlug: agent.slug,
      sessionKey: agent.systemSessionKey,
      instructions: buildHeartbeatInstructions(promptInput),
      input: buildHeartbeatInput(promptInput),
      tools: executor.functionTools(availability),
      executeTool: executor.gatewayExecutor({ ...availability, signal }),
      timeoutMs: options.runTimeoutMs,
      signal,
    });
    text = result.text;
    toolCalls = result.toolCalls.length;
  } catch (err) {
    if (isGatewayError(err) && !err.answered) return { outcome: 'skipped', taskId: focus?._id, reason: `gateway ${err.kind}: ${err.message}` };
    if (isGatewayError(err)) return { outcome: 'failed', taskId: focus?._id, reason: `gateway ${err.kind}${err.status ? ` ${err.status}` : ''}: ${err.message}` };
    throw err;
  }

  const reply = isOk(text, options.okToken) ? ({ kind: 'heartbeat_ok' } as const) : classifyReply(text, { silentToken: options.silentToken, mayDecline: true });
  let result: CycleResult;
  switch (reply.kind) {
    case 'heartbeat_ok':
      result = { outcome: 'ok', taskId: focus?._id, reason: options.okToken };
      break;
    case 'declined':
      result = { outcome: 'ok', taskId: focus?._id, reason: 'declined (silent token)' };
      break;
    case 'no_response':
      result = { outcome: 'ok', taskId: focus?._id, reason: `nothing posted: ${reply.reason}${toolCalls ? ` after ${toolCalls} tool call(s)` : ''}` };
      break;
    case 'reply': {
      const target = postTarget(reply.text, tracked, focus);
      if (target.refused) log.warn({ named: target.refused, focus: focus?._id }, 'reply names a task this heartbeat does not track; posting to the focus task');
      if (!target.taskId) {
        result = { outcome: 'ok', reason: 'reply dropped: no tracked task to post to' };
        break;
      }
      const content = reply.text.length > MAX_MESSAGE_CHARS ? reply.text.slice(0, MAX_MESSAGE_CHARS - 1) + '…' : reply.text;
      // No sourceNotificationId exists for a heartbeat, so the post is not idempotent: one attempt, never retried.
      try {
        await backend.createMessageFromAgent({ taskId: target.taskId, agentId: agent._id, content });
      } catch (err) {
        return { outcome: 'failed', taskId: target.taskId, reason: `post failed (not retried): ${(err as Error).message}` };
      }
      result = { outcome: 'posted', taskId: target.taskId, reason: target.refused ? `posted to focus task (named ${target.refused} is not tracked)` : 'update posted' };
      break;
    }
  }

  await backend.updateAgentHeartbeat({ agentId: agent._id, status: 'online', currentTaskId: result.taskId }).catch((err: unknown) => {
    log.warn({ err }, 'updateAgentHeartbeat failed');
    result.reason += '; lastHeartbeat not updated';
  });
  return result;
}

/** Backend outages skip a cycle (nothing ran); anything else is a failure. */
export function classifyCycleError(err: unknown): CycleResult {
  if (isBackendError(err) && err.transient) return { outcome: 'skipped', reason: `backend ${err.kind} in ${err.functionName}` };
  if (isBackendError(err)) return { outcome: 'failed', reason: `backend refused ${err.functionName}: ${err.message}` };
  return { outcome: 'failed', reason: (err as Error)?.message ?? String(err) };
}
