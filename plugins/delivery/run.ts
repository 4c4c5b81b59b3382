/**
 * Delivering one notification: prompt → gateway turn (tools executed through the
 * registry) → reply classification → message written back idempotently →
 * auto-advance → marked delivered (last). Failures are classified, not handled,
 * here: the loop decides retry, pause or dead letter.
 */
import type { Logger } from 'pino';
import { isBackendError, type BackendPort } from '../../core/ports/backend.ts';
import type { DeliveryContext } from '../../core/ports/domain.ts';
import { isGatewayError, type GatewayPort } from '../../core/ports/gateway.ts';
import type { RunTokenService } from '../../core/ports/run-tokens.ts';
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
}

export type RunOutcome =
  | { status: 'delivered'; posted: boolean; reason: string; toolCalls: number }
  | { status: 'failed'; failure: Failure; error: string; toolCalls: number };

/**
 * - `outage`: nobody answered (gateway unreachable, backend down, cancelled): pause, spend no budget;
 * - `answered`: the run happened and failed (5xx, failed, timeout, no reply): spend one attempt;
 * - `permanent`: retrying the same request cannot help (gateway 4xx): dead-letter now.
 */
export type Failure = 'outage' | 'answered' | 'permanent';

export class RunFailure extends Error {
  readonly failure: Failure;
  constructor(failure: Failure, message: string, cause?: unknown) {
    super(message, { cause });
    this.failure = failure;
  }
}

export function classifyFailure(err: unknown): { failure: Failure; message: string } {
  if (err instanceof RunFailure) return { failure: err.failure, message: err.message };
  if (isGatewayError(err)) {
    if (!err.answered) return { failure: 'outage', message: `gateway ${err.kind}: ${err.message}` };
    return { failure: err.permanent ? 'permanent' : 'answered', message: `gateway ${err.kind}${err.status ? ` ${err.status}` : ''}: ${err.message}` };
  }
  if (isBackendError(err)) {
    // A refused credential is the deployment's problem, not this notification's.
    if (err.transient || err.code === 'unauthorized') return { failure: 'outage', message: `backend ${err.kind} in ${err.functionName}: ${err.message}` };
    return { failure: 'answered', message: `backend refused ${err.functionName}: ${err.message}` };
  }
  return { failure: 'answered', message: (err as Error)?.message ?? String(err) };
}

export async function runNotification(deps: RunDeps, ctx: DeliveryContext, signal: AbortSignal): Promise<RunOutcome> {
  const { backend, gateway, executor, policy, logger } = deps;
  const n = ctx.notification;
  const agent = ctx.agent!;
  const capabilities = capabilitiesFromDeliveryContext(ctx);
  const subject: ToolCallSubject = { agentId: agent._id, agentSlug: agent.slug, taskId: ctx.task?._id, notificationId: n._id, via: 'gateway' };
  const availability = { subject, capabilities };
  const baseUrl = deps.baseUrl();
  const httpMode = !deps.options.clientTools && deps.runTokens !== undefined && baseUrl !== undefined;
  const runToken = httpMode ? deps.runTokens!.issue({ agentId: agent._id, agentSlug: agent.slug, taskId: ctx.task?._id, notificationId: n._id, capabilities }) : undefined;
  const mayDecline = policy.mayDecline(ctx);
  let toolCalls = 0;
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
    await backend.markNotificationRead({ notificationId: n._id }).catch((err: unknown) => logger.debug({ err }, 'markNotificationRead failed (typing indicator only)'));
    const result = await gateway.runAgentTurn({
      agentSlug: agent.slug,
      sessionKey: ctx.deliverySessionKey!,
      instructions,
      input: buildInput(ctx),
      tools: deps.options.clientTools ? executor.functionTools(availability) : [],
      executeTool: executor.gatewayExecutor({ ...availability, signal, notifyWork: deps.notifyWork }),
      maxToolRounds: deps.options.maxToolRounds,
      timeoutMs: deps.options.runTimeoutMs,
      signal,
    });
    toolCalls = result.toolCalls.length;
    if (result.roundCapReached) logger.warn({ rounds: result.rounds }, 'tool round cap reached; remaining tool calls were not executed');
    const reply = classifyReply(result.text, { silentToken: deps.options.silentToken, mayDecline });
    let posted = false;
    let reason: string;
    switch (reply.kind) {
      case 'heartbeat_ok':
        reason = 'HEARTBEAT_OK';
        break;
      case 'declined':
        reason = 'agent had nothing to add';
        break;
      case 'no_response':
        // Work done through tools is not redone for a missing summary; otherwise retry if policy says so.
        if (toolCalls === 0 && policy.retryOnNoResponse(ctx)) throw new RunFailure('answered', `no reply from the agent (${reply.reason})`);
        reason = toolCalls > 0 ? `no reply after ${toolCalls} tool call(s) (${reply.reason})` : `no reply (${reply.reason}); not retried for ${n.type}`;
        break;
      case 'reply':
        if (ctx.task) {
          const content = reply.text.length > MAX_MESSAGE_CHARS ? reply.text.slice(0, MAX_MESSAGE_CHARS - 1) + '…' : reply.text;
          await backend.createMessageFromAgent({ taskId: ctx.task._id, agentId: agent._id, content, sourceNotificationId: n._id });
          posted = true;
          reason = 'reply posted';
        } else {
          reason = 'reply dropped: notification has no task thread';
          logger.warn('reply dropped: the notification has no task to post to');
        }
        break;
    }
    if (n.type === 'assignment' && ctx.task?.status === 'assigned' && capabilities.flags.canModifyTaskStatus) {
      await backend
        .updateTaskStatusFromAgent({ taskId: ctx.task._id, agentId: agent._id, status: 'in_progress', expectedStatus: 'assigned' })
        .catch((err: unknown) => logger.warn({ err }, 'auto-advance to in_progress failed'));
    }
    await backend.markNotificationDelivered({ notificationId: n._id });
    return { status: 'delivered', posted, reason, toolCalls };
  } catch (err) {
    const { failure, message } = classifyFailure(signal.aborted && !isGatewayError(err) ? new RunFailure('outage', 'cancelled by shutdown', err) : err);
    return { status: 'failed', failure, error: message, toolCalls };
  } finally {
    if (runToken) deps.runTokens!.revoke(runToken);
  }
}
