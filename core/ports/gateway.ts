/**
 * The gateway port: runs one agent turn (with any number of client-tool rounds)
 * on an OpenClaw gateway over OpenResponses (`POST /v1/responses`).
 * See docs/gateway.md and ../shared/reference/openclaw-gateway.md §0.
 */

/** A function tool in the flat OpenResponses form the gateway accepts. */
export interface FunctionToolSpec {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict?: boolean;
}

/** A tool call the model made, as the gateway reported it. */
export interface GatewayToolCall {
  /** The gateway's own call id; echoed back in `function_call_output`. */
  callId: string;
  name: string;
  /** Raw JSON string as sent by the gateway. */
  arguments: string;
}

/**
 * Executes one tool call and returns the output string handed back to the model
 * (the tool registry returns JSON). Must not throw for tool-level failures.
 * `signal` aborts when the turn is cancelled or its deadline fires; the turn
 * stops waiting for the executor at that point.
 */
export type ToolCallExecutor = (call: GatewayToolCall, round: number, signal?: AbortSignal) => Promise<string>;

export interface AgentTurnRequest {
  /** Agent slug: selects the OpenClaw agent (`model: openclaw/{slug}`, `x-openclaw-agent-id`). */
  agentSlug: string;
  /** Backend session key (task or system); mapped onto an `agent:{slug}:…` gateway key. */
  sessionKey: string;
  instructions?: string;
  input: string;
  tools?: readonly FunctionToolSpec[];
  /** Executes tool calls; required when `tools` is non-empty. */
  executeTool?: ToolCallExecutor;
  /** Max tool rounds for this turn; the plugin's configured cap applies when omitted. */
  maxToolRounds?: number;
  /** Deadline for the whole turn including every round and every body read. */
  timeoutMs?: number;
  /** Caller cancellation. */
  signal?: AbortSignal;
}

export interface ExecutedToolCall extends GatewayToolCall {
  round: number;
  output: string;
}

export interface AgentTurnResult {
  /** Final assistant text assembled from `output[type=message]` items; null when none. */
  text: string | null;
  toolCalls: ExecutedToolCall[];
  /** Number of tool rounds executed (0 when the model answered at once). */
  rounds: number;
  /**
   * True when the model still asked for tools after the round cap: those calls
   * were not executed and `text` is whatever text accompanied the last response.
   */
  roundCapReached: boolean;
  responseIds: string[];
  /** The mapped session key actually sent to the gateway. */
  gatewaySessionKey: string;
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number };
}

/**
 * - `unreachable`: no HTTP answer (connection refused, DNS, reset before headers);
 * - `timeout`: the turn deadline fired (the gateway accepted the run but did not finish);
 * - `http`: non-2xx HTTP status (`status` set);
 * - `failed`: 2xx/5xx body with `status: "failed"` or `error`;
 * - `incomplete`: `status: "incomplete"`;
 * - `invalid_response`: a body that is not the OpenResponses JSON shape;
 * - `aborted`: cancelled by the caller's signal;
 * - `invalid_request`: the runtime could not build a valid request (bad agent slug, a session
 *   key routed to another agent, tools without an executor); nothing was sent, permanent.
 */
export type GatewayErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'http'
  | 'failed'
  | 'incomplete'
  | 'invalid_response'
  | 'aborted'
  | 'invalid_request';

export class GatewayError extends Error {
  readonly kind: GatewayErrorKind;
  readonly status: number | undefined;
  /** True when retrying the same request cannot help (4xx other than 408/429; `invalid_request`). */
  readonly permanent: boolean;
  /** True when the gateway answered (the run happened or was refused); false for outages and cancellation. */
  readonly answered: boolean;

  constructor(kind: GatewayErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
    this.kind = kind;
    this.status = options.status;
    const s = options.status;
    this.permanent =
      kind === 'invalid_request' || (kind === 'http' && s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 429);
    this.answered = kind !== 'unreachable' && kind !== 'aborted' && kind !== 'invalid_request';
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

export interface GatewayStatus {
  /** `unknown` until the first probe. */
  reachable: 'unknown' | 'up' | 'down';
  lastProbeAt?: number;
  /** Short, redacted reason of the last failure. */
  lastError?: string;
  lastSuccessAt?: number;
}

export interface GatewayPort {
  runAgentTurn(request: AgentTurnRequest): Promise<AgentTurnResult>;
  /** HTTP readiness probe (`GET /v1/models`); updates and returns `status()`. */
  probe(signal?: AbortSignal): Promise<GatewayStatus>;
  status(): GatewayStatus;
}
