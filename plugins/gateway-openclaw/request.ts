/**
 * Builds `POST /v1/responses` requests in the exact shape a current OpenClaw
 * gateway accepts. Its request schema is strict (unknown keys → 400), so every
 * object here is assembled key by key from an allow-list instead of spreading
 * caller data (openclaw-gateway.md §0.1–0.4).
 */
import type { FunctionToolSpec } from '../../core/ports/gateway.ts';

export interface MessageInputItem {
  type: 'message';
  role: 'user';
  content: string;
}

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  call_id: string;
  output: string;
}

export type InputItem = MessageInputItem | FunctionCallOutputItem;

export interface FlatFunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export interface ResponsesRequestBody {
  model: string;
  input: InputItem[];
  instructions?: string;
  tools?: FlatFunctionTool[];
  tool_choice?: 'auto';
  stream: false;
  user?: string;
}

export interface BuildRequestOptions {
  agentSlug: string;
  /** Already mapped (`agent:{slug}:…`). */
  gatewaySessionKey: string;
  input: InputItem[];
  instructions?: string;
  tools?: readonly FunctionToolSpec[];
  /** Sent only when non-empty: no `Bearer local`-style defaults. */
  token?: string;
}

export interface BuiltRequest {
  headers: Record<string, string>;
  /** Everything but `tools`, which `requestJson` adds (serialised once per tools array). */
  body: ResponsesRequestBody;
  tools?: readonly FunctionToolSpec[];
}

export function userMessage(text: string): MessageInputItem {
  return { type: 'message', role: 'user', content: text };
}

/** `function_call_output` takes exactly these three keys; a `status` would be a 400. */
export function functionCallOutput(callId: string, output: string): FunctionCallOutputItem {
  return { type: 'function_call_output', call_id: callId, output };
}

/** Flat OpenResponses tool, copying only the keys the gateway's schema allows. */
export function toFlatTool(tool: FunctionToolSpec): FlatFunctionTool {
  const flat: FlatFunctionTool = {
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
  };
  if (typeof tool.strict === 'boolean') flat.strict = tool.strict;
  return flat;
}

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function buildResponsesRequest(options: BuildRequestOptions): BuiltRequest {
  const body: ResponsesRequestBody = {
    // `openclaw/{slug}` names the owner explicitly; `model: "openclaw"` is a 400 with several agents.
    model: `openclaw/${options.agentSlug}`,
    input: options.input,
    stream: false,
    // The header wins over `user`; `user` keeps routing stable should a proxy drop the header.
    user: options.gatewaySessionKey,
  };
  if (options.instructions) body.instructions = options.instructions;
  const tools = options.tools && options.tools.length > 0 ? options.tools : undefined;
  if (tools) body.tool_choice = 'auto';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-openclaw-agent-id': options.agentSlug,
    'x-openclaw-session-key': options.gatewaySessionKey,
    ...authHeaders(options.token),
  };
  return { headers, body, tools };
}

/**
 * The JSON of the tools each request repeats (the gateway does not remember them): ~17 KB for the
 * built-in set, the same for every turn of an agent with the same capabilities. The executor hands
 * out one frozen array per offer, so it is serialised once per array, not once per request.
 */
const toolsJson = new WeakMap<readonly FunctionToolSpec[], string>();

/** The request body as sent: `body` with `tools` added. */
export function requestJson(built: BuiltRequest): string {
  const json = JSON.stringify(built.body);
  if (!built.tools) return json;
  let tools = toolsJson.get(built.tools);
  if (tools === undefined) {
    tools = JSON.stringify(built.tools.map(toFlatTool));
    // Only a frozen array of frozen specs (the executor's, with deep-frozen schemas) cannot change under its JSON.
    if (Object.isFrozen(built.tools) && built.tools.every((t) => Object.isFrozen(t))) toolsJson.set(built.tools, tools);
  }
  return `${json.slice(0, -1)},"tools":${tools}}`;
}
