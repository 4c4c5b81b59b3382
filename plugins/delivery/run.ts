/**
 * Delivering one notification: prompt → gateway turn (tools executed through the
 * registry) → reply classification → message written back idempotently →
 * auto-advance → marked delivered (last). Failures are classified, not handled,
 * here: the loop decides retry, pause or dead letter.
 */
import type { Logger } from 'pino';
import type { BackendPort } from '../../core/ports/backend.ts';
import type { DeliveryContext } from '../../core/ports/domain.ts';
import { isGatewayError, type GatewayPort } from '../../core/ports/gateway.ts';
import { classifyFailure, RunFailure, type Failure } from './failures.ts';
import type { RunTokenService } from '../../core/ports/run-tokens.ts';
import type { ToolCallLedger } from '../../core/ports/tool-ledger.ts';
import { capabilitiesFromDeliveryContext } from '../../core/tools/capabilities.ts';
import type { ToolExecutor } from '../../core/tools/executor.ts';
import type { ToolCallSubject } from '../../core/hooks.ts';
import type { DeliveryPolicy } from './policy-port.ts';
import { buildInput } from './prompt/input.ts';
import { buildInstructions } from './prompt/instructions.ts';
import { classifyReply } from './reply.ts';

/** The backend's message cap; longer replies would be refused every time. */
const MAX_MESSAGE_CHARS = 100_000;

export interface RunDeps {
  backend: BackendPort;
  gateway: GatewayPort;
  executor: ToolExecutor;
  policy: DeliveryPolicy;
  runTokens: RunTokenService | undefined;
  logger: Logger;
  options: {
    silentToken: string;
    runTimeoutMs: number;
    clientTools: boolean;
    maxToolRounds?: number;
  };
  baseUrl(): string | undefined;
  notifyWork(): void;
  /** The notification's tool-call ledger: a mutating call repeated in any round or attempt runs once. */
  ledgerFor?(notificationId: string): ToolCallLedger;
}

export type RunOutcome =
  | { status: 'delivered'; posted: boolean; reason: string; toolCalls: number }
  | { status: 'failed'; failure: Failure; error: string; toolCalls: number; unknownAgent?: boolean; settlement?: Settlement };

/**
 * What a finished turn leaves to write back. Kept by the loop when the write-back fails, so a
 * retry only writes back (no second model turn, no tools run again).
 */
export interface Settlement {
  /** Text to post in the task thread; null when nothing is posted. */
  content: string | null;
  reason: string;
  toolCalls: number;
}

export { classifyFailure, RunFailure, type Failure };

/**
 * `releaseTurn` is called as soon as the gateway turn is over (or at once when there is none: a
 * kept reply is only written back), so the pool can start another session's turn during the write-back.
 */
export async function runNotification(deps: RunDeps, queued: DeliveryContext, signal: AbortSignal, prior?: Settlement, releaseTurn: () => void = () => {}): Promise<RunOutcome> {
  let settlement = prior;
  let ctx = queued;
  try {
    if (!settlement) {
      try {
        ctx = await currentContext(deps, queued);
        settlement = await runTurn(deps, ctx, signal);
      } finally {
        releaseTurn();
      }
    } else {
      releaseTurn();
    }
    await writeBack(deps, ctx, settlement);
    return { status: 'delivered', posted: settlement.content !== null, reason: settlement.reason, toolCalls: settlement.toolCalls };
  } catch (err) {
    const { failure, message, unknownAgent } = classifyFailure(signal.aborted && !isGatewayError(err) ? new RunFailure('outage', 'cancelled by shutdown', err) : err);
    return { status: 'failed', failure, error: message, toolCalls: settlement?.toolCalls ?? 0, unknownAgent, settlement };
  }
}

/**
 * Marks the notification read (typing on; the backend stops rewriting it) and, for a thread update,
 * reads it again: while it waited in the queue the backend may have pointed it at a newer message,
 * and the run must deliver what the notification says now.
 */
async function currentContext(deps: RunDeps, queued: DeliveryContext): Promise<DeliveryContext> {
  const n = queued.notification;
  await deps.backend.markNotificationRead({ notificationId: n._id }).catch((err: unknown) => deps.logger.debug({ err }, 'markNotificationRead failed (typing indicator only)'));
  if (n.type !== 'thread_update') return queued;
  const fresh = await deps.backend.getNotificationForDelivery({ notificationId: n._id });
  if (!fresh?.agent) throw new RunFailure('answered', 'the backend returned no delivery context on the re-read');
  return { ...fresh, deliverySessionKey: queued.deliverySessionKey };
}

async function runTurn(deps: RunDeps, ctx: DeliveryContext, signal: AbortSignal): Promise<Settlement> {
  const { gateway, executor, policy, logger } = deps;
  const n = ctx.notification;
  const agent = ctx.agent!;
  const capabilities = capabilitiesFromDeliveryContext(ctx);
  const subject: ToolCallSubject = { agentId: agent._id, agentSlug: agent.slug, taskId: ctx.task?._id, notificationId: n._id, via: 'gateway' };
  const availability = { subject, capabilities };
  const baseUrl = deps.baseUrl();
  const httpMode = !deps.options.clientTools && deps.runTokens !== undefined && baseUrl !== undefined;
  const ledger = deps.ledgerFor?.(n._id);
  const runToken = httpMode ? deps.runTokens!.issue({ agentId: agent._id, agentSlug: agent.slug, taskId: ctx.task?._id, notificationId: n._id, capabilities }, undefined, { ledger }) : undefined;
  const mayDecline = policy.mayDecline(ctx);
  try {
    const capabilityLines = deps.options.clientTools || httpMode ? executor.capabilityLines(availability, httpMode ? 'http' : 'tools', baseUrl) : [];
    const instructions = buildInstructions({
      ctx,
      capabilities,
      capabilityLines,
      mode: httpMode ? 'http' : 'tools',
      http: httpMode ? { baseUrl: baseUrl!, runToken: runToken!, handoff: deps.runTokens!.handoff(runToken!) } : undefined,
      silentToken: deps.options.silentToken,
      mayDecline,
    });
    const result = await gateway.runAgentTurn({
      agentSlug: agent.slug,
      sessionKey: ctx.deliverySessionKey!,
      instructions,
      input: buildInput(ctx),
      tools: deps.options.clientTools ? executor.functionTools(availability) : [],
      executeTool: executor.gatewayExecutor({ ...availability, signal, notifyWork: deps.notifyWork, ledger }),
      maxToolRounds: deps.options.maxToolRounds,
      timeoutMs: deps.options.runTimeoutMs,
      signal,
    });
    const toolCalls = result.toolCalls.length;
    if (result.roundCapReached) logger.warn({ rounds: result.rounds }, 'tool round cap reached; remaining tool calls were not executed');
    const reply = classifyReply(result.text, { silentToken: deps.options.silentToken, mayDecline });
    switch (reply.kind) {
      case 'heartbeat_ok':
        return { content: null, reason: 'HEARTBEAT_OK', toolCalls };
      case 'declined':
        return { content: null, reason: 'agent had nothing to add', toolCalls };
      case 'no_response':
        // Work done through tools is not redone for a missing summary; otherwise retry if policy says so.
        if (toolCalls === 0 && policy.retryOnNoResponse(ctx)) throw new RunFailure('answered', `no reply from the agent (${reply.reason})`);
        return { content: null, reason: toolCalls > 0 ? `no reply after ${toolCalls} tool call(s) (${reply.reason})` : `no reply (${reply.reason}); not retried for ${n.type}`, toolCalls };
      case 'reply':
        if (!ctx.task) {
          logger.warn('reply dropped: the notification has no task to post to');
          return { content: null, reason: 'reply dropped: notification has no task thread', toolCalls };
        }
        return { content: reply.text.length > MAX_MESSAGE_CHARS ? reply.text.slice(0, MAX_MESSAGE_CHARS - 1) + '…' : reply.text, reason: 'reply posted', toolCalls };
    }
    throw new RunFailure('answered', 'unclassified reply');
  } finally {
    if (runToken) deps.runTokens!.revoke(runToken);
  }
}

/** Posts the reply (idempotent by `sourceNotificationId`), auto-advances an assignment, marks delivered last. */
async function writeBack(deps: RunDeps, ctx: DeliveryContext, settlement: Settlement): Promise<void> {
  const { backend, logger } = deps;
  const n = ctx.notification;
  const agent = ctx.agent!;
  if (settlement.content !== null && ctx.task) {
    await backend.createMessageFromAgent({ taskId: ctx.task._id, agentId: agent._id, content: settlement.content, sourceNotificationId: n._id });
  }
  if (n.type === 'assignment' && ctx.task?.status === 'assigned' && capabilitiesFromDeliveryContext(ctx).flags.canModifyTaskStatus) {
    await backend
      .updateTaskStatusFromAgent({ taskId: ctx.task._id, agentId: agent._id, status: 'in_progress', expectedStatus: 'assigned' })
      .catch((err: unknown) => logger.warn({ err }, 'auto-advance to in_progress failed'));
  }
  await backend.markNotificationDelivered({ notificationId: n._id });
}
