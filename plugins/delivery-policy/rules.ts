/**
 * The delivery rules (original-runtime.md §4.4), one function per rule, each
 * named after what it decides. A rule returns a skip reason, `deliver`, or
 * undefined (no opinion: the next rule decides).
 */
import { ORCHESTRATOR_CHAT_LABEL, type DeliveryContext, type TaskStatus } from '../../core/ports/domain.ts';

export type RuleVerdict = { skip: string } | 'deliver' | undefined;

function isOrchestratorChat(ctx: DeliveryContext): boolean {
  return ctx.task?.labels.includes(ORCHESTRATOR_CHAT_LABEL) ?? false;
}

function recipientIsOrchestrator(ctx: DeliveryContext): boolean {
  return ctx.orchestratorAgentId !== null && ctx.notification.recipientId === ctx.orchestratorAgentId;
}

const CLOSED: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['done', 'blocked']);

/** Rule 1: in the orchestrator chat only the orchestrator is addressed. */
export function orchestratorChatIsForTheOrchestrator(ctx: DeliveryContext): RuleVerdict {
  if (!isOrchestratorChat(ctx) || ctx.notification.recipientType !== 'agent') return undefined;
  return recipientIsOrchestrator(ctx) ? 'deliver' : { skip: 'orchestrator chat is only for the orchestrator' };
}

/** Rule 2: thread updates on done or blocked tasks are not delivered. */
export function noThreadUpdatesOnClosedTasks(ctx: DeliveryContext): RuleVerdict {
  if (ctx.notification.type !== 'thread_update' || !ctx.task) return undefined;
  return CLOSED.has(ctx.task.status) ? { skip: `thread update on a ${ctx.task.status} task` } : undefined;
}

/** Rule 3: status changes: none for done/blocked; review goes to the orchestrator and reviewers. */
export function statusChangeRouting(ctx: DeliveryContext): RuleVerdict {
  if (ctx.notification.type !== 'status_change' || ctx.notification.recipientType !== 'agent' || !ctx.task) return undefined;
  const status = ctx.task.status;
  if (CLOSED.has(status)) return { skip: `status change to ${status}` };
  if (status === 'review') {
    if (recipientIsOrchestrator(ctx) || ctx.effectiveBehaviorFlags.canReviewTasks) return 'deliver';
    return { skip: 'review status change for an agent that does not review' };
  }
  return undefined;
}

/**
 * Rule 4: thread updates authored by an agent. The orchestrator hears other
 * agents; assignees and reviewers hear the thread; and a reply to a reply is
 * delivered only when the orchestrator wrote it (the loop breaker: two agents
 * never keep answering each other).
 */
export function agentThreadUpdateLoopBreaker(ctx: DeliveryContext): RuleVerdict {
  if (ctx.notification.type !== 'thread_update' || ctx.message?.authorType !== 'agent' || !ctx.task) return undefined;
  const recipient = ctx.notification.recipientId;
  const authorIsOrchestrator = ctx.orchestratorAgentId !== null && ctx.message.authorId === ctx.orchestratorAgentId;
  if (recipientIsOrchestrator(ctx) && !authorIsOrchestrator) return 'deliver';
  const assigned = ctx.task.assignedAgentIds.includes(recipient);
  const reviewer = ctx.task.status === 'review' && ctx.effectiveBehaviorFlags.canReviewTasks;
  if (ctx.sourceNotificationType === 'thread_update') {
    return authorIsOrchestrator && (assigned || reviewer) ? 'deliver' : { skip: 'agent reply to a thread update (loop breaker)' };
  }
  return assigned || reviewer ? 'deliver' : { skip: 'agent thread update for an agent neither assigned nor reviewing' };
}

/** Rule 5: a user thread update is stale when a later user message exists in the thread. */
export function staleUserThreadUpdate(ctx: DeliveryContext): RuleVerdict {
  const n = ctx.notification;
  if (n.type !== 'thread_update' || n.recipientType !== 'agent' || !n.messageId || ctx.message?.authorType !== 'user') return undefined;
  const createdAt = ctx.message.createdAt;
  const newer = ctx.thread.some((m) => m.authorType === 'user' && m.messageId !== n.messageId && m.createdAt > createdAt);
  return newer ? { skip: 'stale thread update (a newer user message exists)' } : undefined;
}

/** Evaluation order matters: the first rule with an opinion wins. */
export const RULES = [
  orchestratorChatIsForTheOrchestrator,
  noThreadUpdatesOnClosedTasks,
  statusChangeRouting,
  agentThreadUpdateLoopBreaker,
  staleUserThreadUpdate,
] as const;

/**
 * The first rule with an opinion decides. With none, there is no decision: later
 * policy taps may still skip, and the loop delivers (unknown types included).
 */
export function decide(ctx: DeliveryContext): { action: 'deliver'; reason: string } | { action: 'skip'; reason: string } | undefined {
  for (const rule of RULES) {
    const verdict = rule(ctx);
    if (verdict === 'deliver') return { action: 'deliver', reason: rule.name };
    if (verdict) return { action: 'skip', reason: verdict.skip };
  }
  return undefined;
}

/** Marking done is offered and allowed only from review with the canMarkDone flag. */
export function canAgentMarkDone(taskStatus: TaskStatus | undefined, canMarkDone: boolean | undefined): boolean {
  return taskStatus === 'review' && canMarkDone === true;
}

/** A missing reply is retried for requests addressed to the agent; not for passive agent chatter. */
export function retryOnNoResponse(ctx: DeliveryContext): boolean {
  switch (ctx.notification.type) {
    case 'assignment':
    case 'mention':
    case 'response_request':
      return true;
    case 'thread_update':
      return ctx.message?.authorType !== 'agent';
    default:
      return false;
  }
}

/** An agent may decline to answer a passive thread update or status change, never a direct request. */
export function mayDecline(ctx: DeliveryContext): boolean {
  return ctx.notification.type === 'thread_update' || ctx.notification.type === 'status_change';
}
