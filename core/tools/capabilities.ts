/**
 * What an agent may do in one run (original-runtime.md §4.3). One derivation
 * serves the delivery loop, heartbeats and the HTTP fallback, so offering a
 * tool and executing it always follow the same rules.
 */
import {
  DEFAULT_BEHAVIOR_FLAGS,
  type AgentWithSession,
  type BehaviorFlags,
  type DeliveryContext,
  type Id,
  type TaskStatus,
} from '../ports/domain.ts';
import type { AgentCapabilities } from './registry.ts';

/**
 * Normalises flags the way §4.3 reads them: status changes are on unless
 * explicitly off; creating, documenting and mentioning need an explicit true.
 */
export function normalizeFlags(flags: Partial<BehaviorFlags> | undefined): BehaviorFlags {
  const f = flags ?? {};
  const normalized: BehaviorFlags = {
    canCreateTasks: f.canCreateTasks === true,
    canModifyTaskStatus: f.canModifyTaskStatus !== false,
    canCreateDocuments: f.canCreateDocuments === true,
    canMentionAgents: f.canMentionAgents === true,
    canReviewTasks: f.canReviewTasks === true,
    canMarkDone: f.canMarkDone === true,
  };
  if (f.requiresApprovalForActions) normalized.requiresApprovalForActions = [...f.requiresApprovalForActions];
  return normalized;
}

export interface CapabilityInput {
  agentId: Id;
  flags: Partial<BehaviorFlags> | undefined;
  orchestratorAgentId: Id | null | undefined;
  /** The task of this run, if any. */
  task?: { status: TaskStatus } | null;
}

export function deriveCapabilities(input: CapabilityInput): AgentCapabilities {
  const flags = normalizeFlags(input.flags);
  const taskStatus = input.task?.status;
  const capabilities: AgentCapabilities = {
    flags,
    isOrchestrator: Boolean(input.orchestratorAgentId) && input.agentId === input.orchestratorAgentId,
    hasTaskContext: Boolean(input.task),
    // The done gate: offered and enforced only with the flag while the task is in review.
    canMarkDone: flags.canMarkDone && taskStatus === 'review',
  };
  if (taskStatus) capabilities.taskStatus = taskStatus;
  return capabilities;
}

/** Capabilities for delivering one notification. Without an agent nothing is offered. */
export function capabilitiesFromDeliveryContext(ctx: DeliveryContext): AgentCapabilities {
  if (!ctx.agent) {
    return {
      flags: normalizeFlags({ canModifyTaskStatus: false }),
      isOrchestrator: false,
      hasTaskContext: false,
      canMarkDone: false,
    };
  }
  return deriveCapabilities({
    agentId: ctx.agent._id,
    flags: ctx.effectiveBehaviorFlags,
    orchestratorAgentId: ctx.orchestratorAgentId,
    task: ctx.task,
  });
}

/** Capabilities for a run outside a notification (heartbeats, legacy HTTP auth). */
export function capabilitiesForAgent(
  agent: Pick<AgentWithSession, '_id' | 'effectiveBehaviorFlags'>,
  orchestratorAgentId: Id | null | undefined,
  task?: { status: TaskStatus } | null,
): AgentCapabilities {
  return deriveCapabilities({
    agentId: agent._id,
    flags: agent.effectiveBehaviorFlags ?? DEFAULT_BEHAVIOR_FLAGS,
    orchestratorAgentId,
    task,
  });
}
