/**
 * One agent turn: the user message, then as many client-tool rounds as the
 * model asks for (up to a cap). Each follow-up carries only the
 * `function_call_output` items on the same session key (the gateway keeps the
 * history per session) and repeats `tools` and `instructions`, which the
 * gateway does not remember between requests. The original runtime did one
 * round and dropped later calls silently.
 */
import {
  GatewayError,
  type AgentTurnRequest,
  type AgentTurnResult,
  type ExecutedToolCall,
  type GatewayToolCall,
} from '../../core/ports/gateway.ts';
import { linkAbort } from '../../core/abort.ts';
import type { GatewayClient } from './client.ts';
import { buildResponsesRequest, functionCallOutput, userMessage, type InputItem } from './request.ts';
import type { ParsedResponse } from './response.ts';
import { toGatewaySessionKey } from './session-keys.ts';

export interface TurnSettings {
  client: GatewayClient;
  token?: string;
  /** Default cap of tool rounds per turn. */
  maxToolRounds: number;
  /** Default deadline of a whole turn. */
  turnTimeoutMs: number;
  /** Called with each exchange's outcome (feeds the readiness state). */
  onOutcome?: (ok: boolean, error?: GatewayError) => void;
}

function addUsage(total: AgentTurnResult['usage'], next: ParsedResponse['usage']): AgentTurnResult['usage'] {
  if (!next) return total;
  if (!total) return { ...next };
  return {
    inputTokens: total.inputTokens + next.inputTokens,
    outputTokens: total.outputTokens + next.outputTokens,
    totalTokens: total.totalTokens + next.totalTokens,
  };
}

/** Resolves with the executor's output, or rejects as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

async function executeCalls(
  request: AgentTurnRequest,
  calls: GatewayToolCall[],
  round: number,
  signal: AbortSignal,
  deadline: AbortSignal,
  timeoutMs: number,
): Promise<ExecutedToolCall[]> {
  const executor = request.executeTool!;
  const executed: ExecutedToolCall[] = [];
  // Sequential on purpose: tools have side effects and the model listed them in order.
  for (const call of calls) {
    let output: string;
    try {
      output = await untilAborted(executor(call, round, signal), signal);
    } catch (err) {
      if (request.signal?.aborted) throw new GatewayError('aborted', 'agent turn cancelled by the caller during a tool call', { cause: err });
      if (deadline.aborted) throw new GatewayError('timeout', `agent turn did not finish within ${timeoutMs} ms (during tool "${call.name}")`, { cause: err });
      // The executor contract says tool failures come back as output; a throw is a bug, but the model still needs an answer.
      output = JSON.stringify({ success: false, error: `tool "${call.name}" failed: ${(err as Error)?.message ?? 'unknown error'}` });
    }
    executed.push({ ...call, round, output });
  }
  return executed;
}

export async function runAgentTurn(settings: TurnSettings, request: AgentTurnRequest): Promise<AgentTurnResult> {
  const tools = request.tools ?? [];
  if (tools.length > 0 && !request.executeTool) {
    throw new GatewayError('invalid_request', 'tools were offered without an executeTool callback');
  }
  const gatewaySessionKey = toGatewaySessionKey(request.sessionKey, request.agentSlug);
  const maxRounds = Math.max(0, Math.floor(request.maxToolRounds ?? settings.maxToolRounds));
  const timeoutMs = request.timeoutMs ?? settings.turnTimeoutMs;
  const turnDeadline = linkAbort([], timeoutMs);
  const linked = request.signal ? linkAbort([request.signal, turnDeadline.signal]) : turnDeadline;
  try {
    return await turnRounds({ settings, request, tools, gatewaySessionKey, maxRounds, timeoutMs, deadline: turnDeadline.signal, signal: linked.signal });
  } finally {
    linked.release();
    turnDeadline.release();
  }
}

/** One turn's fixed inputs: `deadline` aborts when the turn's time is up, `signal` also when the caller cancels. */
interface Turn {
  settings: TurnSettings;
  request: AgentTurnRequest;
  tools: NonNullable<AgentTurnRequest['tools']>;
  gatewaySessionKey: string;
  maxRounds: number;
  timeoutMs: number;
  deadline: AbortSignal;
  signal: AbortSignal;
}

async function turnRounds({ settings, request, tools, gatewaySessionKey, maxRounds, timeoutMs, deadline, signal }: Turn): Promise<AgentTurnResult> {
  const toolCalls: ExecutedToolCall[] = [];
  const responseIds: string[] = [];
  let usage: AgentTurnResult['usage'];
  let input: InputItem[] = [userMessage(request.input)];
  let rounds = 0;

  for (;;) {
    const built = buildResponsesRequest({
      agentSlug: request.agentSlug,
      gatewaySessionKey,
      input,
      instructions: request.instructions,
      tools,
      token: settings.token,
    });
    let response: ParsedResponse;
    try {
      response = await settings.client.postResponses(built, { caller: request.signal, deadline });
      settings.onOutcome?.(true);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      settings.onOutcome?.(false, err);
      if (err.kind === 'timeout' && deadline.aborted) {
        // Name the turn deadline (not the per-request cap) that fired, and after how many rounds.
        const after = rounds > 0 ? ` (after ${rounds} tool rounds)` : '';
        throw new GatewayError('timeout', `agent turn did not finish within ${timeoutMs} ms${after}`, { cause: err });
      }
      throw err;
    }
    if (response.id) responseIds.push(response.id);
    usage = addUsage(usage, response.usage);

    const base = { toolCalls, rounds, responseIds, gatewaySessionKey, usage };
    if (response.toolCalls.length === 0) return { ...base, text: response.text, roundCapReached: false };
    // Cap reached (or no executor because no tools were offered): the calls are not executed.
    if (rounds >= maxRounds || !request.executeTool) return { ...base, text: response.text, roundCapReached: true };

    rounds += 1;
    const executed = await executeCalls(request, response.toolCalls, rounds, signal, deadline, timeoutMs);
    toolCalls.push(...executed);
    input = executed.map((c) => functionCallOutput(c.callId, c.output));
  }
}
