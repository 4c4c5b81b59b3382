/**
 * The request-side contract of a real OpenClaw 2026.9.x `/v1/responses`
 * endpoint (../shared/reference/openclaw-gateway.md §0, §4 edge table), as
 * enforced by the scripted gateway (scripted-gateway.ts): strict schema checks,
 * agent selection from `model`/`x-openclaw-agent-id`, and session-key routing.
 * Each violation throws a Refusal carrying the status and body the real
 * gateway answers with.
 */
import { randomUUID } from 'node:crypto';

const TOP_LEVEL: Record<string, (v: unknown) => boolean> = {
  model: (v) => typeof v === 'string',
  input: (v) => typeof v === 'string' || Array.isArray(v),
  instructions: (v) => typeof v === 'string',
  tools: Array.isArray,
  tool_choice: (v) => ['auto', 'none', 'required'].includes(v as string) || (isObj(v) && v.type === 'function' && typeof v.name === 'string'),
  text: (v) => isObj(v) && isObj(v.format) && v.format.type === 'text',
  stream: (v) => typeof v === 'boolean',
  max_output_tokens: Number.isInteger,
  max_tool_calls: Number.isInteger,
  user: (v) => typeof v === 'string',
  temperature: (v) => typeof v === 'number',
  top_p: (v) => typeof v === 'number',
  metadata: isObj,
  store: (v) => typeof v === 'boolean',
  previous_response_id: (v) => typeof v === 'string',
  reasoning: isObj,
  truncation: (v) => typeof v === 'string',
};
const ITEM_KEYS: Record<string, string[]> = {
  message: ['type', 'role', 'content', 'id', 'status', 'phase'],
  function_call: ['type', 'id', 'call_id', 'name', 'arguments', 'status'],
  function_call_output: ['type', 'call_id', 'output'],
  reasoning: ['type', 'id', 'summary', 'content', 'encrypted_content'],
  item_reference: ['type', 'id'],
};
const PART_TYPES = ['input_text', 'output_text', 'input_image', 'input_file'];
const TOOL_KEYS = ['type', 'name', 'description', 'parameters', 'strict'];

export function isObj(v: unknown): v is Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export class Refusal extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, message: string, body?: unknown) {
    super(message);
    this.status = status;
    this.body = body ?? { error: { message, type: status === 401 ? 'unauthorized' : 'invalid_request_error' } };
  }
}
export const failedBody = () => ({ status: 'failed', output: [], error: { code: 'api_error', message: 'internal error' } });
export const bad = (message: string) => new Refusal(400, message);

/** Strict schema check of a `/v1/responses` body; throws a Refusal like the real gateway. */
export function validateBody(body: unknown): asserts body is Record<string, unknown> {
  if (!isObj(body)) throw bad(': Invalid input: expected object');
  for (const [key, value] of Object.entries(body)) {
    const check = TOP_LEVEL[key];
    if (!check) throw bad(`: Unrecognized key: "${key}"`);
    if (!check(value)) throw bad(`${key}: Invalid input`);
  }
  if (body.model === undefined) throw bad('model: Invalid input');
  if (body.input === undefined) throw bad('input: Invalid input');
  if (body.stream === true) throw bad('stream: the scripted gateway answers non-streaming requests only');
  if (Array.isArray(body.input)) {
    body.input.forEach((item: unknown, i: number) => {
      if (!isObj(item) || typeof item.type !== 'string' || !ITEM_KEYS[item.type]) throw bad('input: Invalid input');
      const extra = Object.keys(item).find((k) => !ITEM_KEYS[item.type].includes(k));
      if (extra) throw bad(`input.${i}: Unrecognized key: "${extra}"`);
      if (item.type === 'message') {
        if (!['system', 'developer', 'user', 'assistant'].includes(item.role)) throw bad(`input.${i}.role: Invalid input`);
        if (item.phase !== undefined && item.role !== 'assistant') throw bad(`input.${i}.phase: Invalid input`);
        const ok = typeof item.content === 'string' || (Array.isArray(item.content) && item.content.every((p: unknown) => isObj(p) && PART_TYPES.includes(p.type)));
        if (!ok) throw bad(`input.${i}.content: Invalid input`);
      }
      if (item.type === 'function_call_output' && (typeof item.call_id !== 'string' || typeof item.output !== 'string')) {
        throw bad(`input.${i}: Invalid input`);
      }
      if (item.type === 'function_call' && (typeof item.name !== 'string' || typeof item.arguments !== 'string')) {
        throw bad(`input.${i}: Invalid input`);
      }
    });
  }
  ((body.tools as unknown[] | undefined) ?? []).forEach((tool, i) => {
    if (!isObj(tool) || tool.type !== 'function') throw bad(`tools.${i}.type: Invalid input`);
    if (typeof tool.name !== 'string') throw bad(`tools.${i}.name: Invalid input: expected string, received ${typeof tool.name}`);
    const extra = Object.keys(tool).find((k) => !TOOL_KEYS.includes(k));
    if (extra) throw bad(`tools.${i}: Unrecognized key: "${extra}"`);
    if (tool.parameters !== undefined && !isObj(tool.parameters)) throw bad(`tools.${i}.parameters: Invalid input`);
  });
}

/** The explicit owner from `x-openclaw-agent-id` or `model` (the gateway's pre-check). */
export function ownerAgent(model: string, header: string | undefined, agents: string[]): string {
  let id = header;
  if (!id) {
    const m = /^(?:openclaw[/:]|agent:)(.+)$/.exec(model);
    if (m && m[1] !== 'default') id = m[1];
    else if (model !== 'openclaw' && model !== 'openclaw/default') throw bad('model: Invalid input');
  }
  if (id === undefined) {
    if (agents.length === 1) return agents[0];
    throw bad('Multiple agents are configured, but this operation has no explicit owner.');
  }
  if (!agents.includes(id)) throw bad(`Unknown agent '${id}'.`);
  return id;
}

/** The agent that actually runs and the effective session key. */
export function routeSession(key: string | undefined, owner: string, user: unknown, agents: string[]): { agentId: string; sessionKey: string } {
  if (key === undefined || key === '') {
    const sessionKey = typeof user === 'string' ? `agent:${owner}:openresponses-user:${user}` : `agent:${owner}:openresponses:${randomUUID()}`;
    return { agentId: owner, sessionKey };
  }
  if (/^(cron|subagent|acp):/.test(key)) throw bad('x-openclaw-session-key cannot use reserved internal session namespaces.');
  const m = /^agent:([^:]+):/.exec(key);
  if (m) {
    if (!agents.includes(m[1])) throw new Refusal(500, 'agent in session key not configured', failedBody());
    return { agentId: m[1], sessionKey: key };
  }
  if (agents.length > 1) throw new Refusal(500, 'session key without agent prefix', failedBody());
  return { agentId: agents[0], sessionKey: `agent:${agents[0]}:${key}` };
}
