/**
 * Scripted OpenClaw gateway for tests: a loopback HTTP server that enforces the
 * same strict `/v1/responses` contract as a real OpenClaw 2026.9.x gateway
 * (../shared/reference/openclaw-gateway.md §0; checks in scripted-gateway-contract.ts) and answers
 * from per-test scripts.
 *
 * Contract enforced (each violation answers like the real gateway does):
 * - 401 `{error:{type:"unauthorized"}}` on both endpoints when `token` is set and
 *   `Authorization: Bearer <token>` is missing or wrong;
 * - 400 on unknown top-level keys, on unknown keys in input items and tools, on the
 *   nested `{type,function:{…}}` tool form, on untyped input items, on a
 *   `function_call_output` with anything but `type, call_id, output`;
 * - `model` required: `openclaw`, `openclaw/default`, `openclaw/<id>`, `openclaw:<id>`,
 *   `agent:<id>`; `x-openclaw-agent-id` wins; unknown agent → 400 `Unknown agent '<id>'.`;
 *   `openclaw` with several agents and no header → 400 (no default agent);
 * - `x-openclaw-session-key` used verbatim; its `agent:<id>:` prefix picks the agent
 *   that runs; unknown agent in the key → 500 failed; a key without the prefix → 500
 *   with several agents (single agent: becomes `agent:<id>:<key>`); `cron:`,
 *   `subagent:`, `acp:` → 400; no key → `agent:<id>:openresponses-user:<user>` or a fresh one;
 * - function calls get gateway-generated 9-hex `call_id`s; follow-ups are plain
 *   requests whose input holds `function_call_output` items (call ids are not checked);
 * - `GET /v1/models` lists `openclaw`, `openclaw/default`, `openclaw/<id>`.
 *
 * API:
 *   const gw = await startScriptedGateway({ agents: ['alpha', 'beta'], token: 'tok' });
 *   gw.script('alpha', [
 *     { toolCalls: [{ name: 'task_status', arguments: { task_id: 'T-1' } }] },
 *     (req) => ({ text: `got ${req.toolOutputs[0].output}` }),
 *   ]);
 *   gw.script('*', [{ status: 500 }]);        // any agent, after that agent's own steps
 *   gw.setDefault({ text: 'OK' });            // when no script step is left (default: an echo)
 *   … run the client against gw.url …
 *   gw.responsesRequests()[1].body.input      // every request recorded: headers + parsed body
 *   await gw.stop(); await gw.start();        // outage and recovery on the same port
 *   await gw.close();
 *
 * Declarative replies (`Reply`): `{ text, reasoning?, usage? }`, `{ toolCalls, text?, reasoning? }`,
 * `{ status, body? }` (error status; 5xx default body is the gateway's failed/api_error),
 * `{ noReply: true }` (what the gateway answers when the model said NO_REPLY: 500 failed),
 * `{ incomplete: true, text?, reason? }`, `{ hang: true }` (headers sent, body never ends),
 * `{ destroy: true }` (socket closed without an answer), `{ rawBody, contentType?, status? }`.
 * Every reply may carry `delayMs` (wait before answering). A step may be a function
 * `(req: ScriptedRequest) => Reply | Promise<Reply>`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { Refusal, bad, failedBody, ownerAgent, routeSession, validateBody } from './scripted-gateway-contract.ts';

export interface ToolCallSpec {
  name: string;
  arguments?: string | Record<string, unknown>;
  /** Override the generated 9-hex call id. */
  callId?: string;
}
export interface UsageSpec {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}
type Delay = { delayMs?: number };
export type Reply = Delay &
  (
    | { text: string; reasoning?: string; usage?: Partial<UsageSpec>; toolCalls?: undefined }
    | { toolCalls: ToolCallSpec[]; text?: string; reasoning?: string; usage?: Partial<UsageSpec> }
    | { status: number; body?: unknown }
    | { noReply: true }
    | { incomplete: true; text?: string; reason?: string }
    | { hang: true }
    | { destroy: true }
    | { rawBody: string; contentType?: string; status?: number }
  );

export interface ScriptedRequest {
  /** The agent that runs (from the session key, as the real gateway does). */
  agentId: string;
  /** Effective session key. */
  sessionKey: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** Text of the user message items, joined; undefined when there are none. */
  userText: string | undefined;
  /** `function_call_output` items, with the tool name when the call id was issued here. */
  toolOutputs: { callId: string; name?: string; output: string }[];
  /** Names of the tools offered. */
  tools: string[];
  /** 1-based count of `/v1/responses` requests seen on this session key. */
  turn: number;
}
export type Step = Reply | ((req: ScriptedRequest) => Reply | Promise<Reply>);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined when absent or not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests dig into it freely
  rawBody: string;
  /** Status answered (0 for `hang`/`destroy`). */
  status: number;
  agentId?: string;
  sessionKey?: string;
  /** Contract violation reported, if any. */
  error?: string;
}

export interface ScriptedGatewayOptions {
  /** Configured agent ids; default `['main']`. */
  agents?: string[];
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
  /** Port for the first start; default 0 (ephemeral). Restarts reuse the bound port. */
  port?: number;
}

export interface ScriptedGateway {
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  readonly requests: RecordedRequest[];
  /** Only `POST /v1/responses` records. */
  responsesRequests(): RecordedRequest[];
  /** Appends steps for an agent id, or `'*'` for any agent (used after the agent's own steps). */
  script(agent: string, steps: Step[]): ScriptedGateway;
  /** Responder used when no script step is left. */
  setDefault(step: Step): ScriptedGateway;
  /** Steps not consumed yet (for one agent or `'*'`, or all). */
  pending(agent?: string): number;
  setAgents(agents: string[]): void;
  setToken(token: string | undefined): void;
  /** Clears scripts, records and the default responder. */
  reset(): void;
  start(): Promise<void>;
  /** Closes the listener and every open connection (hanging ones too). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

const hex9 = () => randomBytes(5).toString('hex').slice(0, 9);

function usageOf(spec: Partial<UsageSpec> | undefined) {
  const input = spec?.input_tokens ?? 11;
  const output = spec?.output_tokens ?? 7;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: spec?.total_tokens ?? input + output,
  };
}

function messageItem(text: string) {
  return {
    type: 'message',
    id: `msg_${randomUUID()}`,
    role: 'assistant',
    content: [{ type: 'output_text', text }],
    phase: 'final_answer',
    status: 'completed',
  };
}

export async function startScriptedGateway(options: ScriptedGatewayOptions = {}): Promise<ScriptedGateway> {
  let agents = [...(options.agents ?? ['main'])];
  let token = options.token;
  let port = options.port ?? 0;
  let server: Server | undefined;
  const scripts = new Map<string, Step[]>();
  const requests: RecordedRequest[] = [];
  const issuedCalls = new Map<string, string>();
  const turns = new Map<string, number>();
  const echo: Step = (req) => ({
    text: req.toolOutputs.length > 0 ? `[${req.agentId}] tool outputs: ${req.toolOutputs.map((o) => o.output).join(' | ')}` : `[${req.agentId}] ${req.userText ?? ''}`,
  });
  let fallback: Step = echo;

  function nextStep(agentId: string): Step {
    for (const key of [agentId, '*']) {
      const queue = scripts.get(key);
      if (queue && queue.length > 0) return queue.shift()!;
    }
    return fallback;
  }

  function send(res: ServerResponse, record: RecordedRequest, status: number, body: unknown): void {
    record.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function answer(reply: Reply, req: ScriptedRequest, res: ServerResponse, record: RecordedRequest): Promise<void> {
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if ('destroy' in reply) return void res.socket?.destroy();
    if ('hang' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"resp_hanging","object":"response",'); // and never more
      return;
    }
    if ('rawBody' in reply) {
      record.status = reply.status ?? 200;
      res.writeHead(record.status, { 'content-type': reply.contentType ?? 'text/plain' });
      return void res.end(reply.rawBody);
    }
    if ('noReply' in reply) return send(res, record, 500, failedBody());
    if ('status' in reply) {
      const fallbackBody = reply.status >= 500 ? failedBody() : new Refusal(reply.status, reply.status === 401 ? 'Unauthorized' : 'scripted error').body;
      return send(res, record, reply.status, reply.body ?? fallbackBody);
    }
    const base = { id: `resp_${randomUUID()}`, object: 'response', created_at: Math.floor(Date.now() / 1000), model: req.body.model };
    if ('incomplete' in reply) {
      const output = reply.text ? [messageItem(reply.text)] : [];
      return send(res, record, 200, { ...base, status: 'incomplete', output, incomplete_details: { reason: reply.reason ?? 'max_output_tokens' }, usage: usageOf(undefined) });
    }
    const output: unknown[] = [];
    if (reply.reasoning) {
      output.push({ type: 'reasoning', id: `rs_${randomUUID()}`, summary: [{ type: 'summary_text', text: reply.reasoning }], content: [{ type: 'reasoning_text', text: reply.reasoning }] });
    }
    if (reply.text !== undefined) output.push(messageItem(reply.text));
    for (const call of reply.toolCalls ?? []) {
      const callId = call.callId ?? hex9();
      issuedCalls.set(callId, call.name);
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
      output.push({ type: 'function_call', id: `call_${randomUUID()}`, call_id: callId, name: call.name, arguments: args });
    }
    return send(res, record, 200, { ...base, status: 'completed', output, usage: usageOf(reply.usage) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0];
    const record: RecordedRequest = { method: req.method ?? 'GET', path, headers, body, rawBody, status: 0 };
    requests.push(record);
    try {
      if (token !== undefined && headers.authorization !== `Bearer ${token}`) throw new Refusal(401, 'Unauthorized');
      if (record.method === 'GET' && path === '/v1/models') {
        const ids = ['openclaw', 'openclaw/default', ...agents.map((a) => `openclaw/${a}`)];
        return send(res, record, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', owned_by: 'openclaw' })) });
      }
      if (record.method !== 'POST' || path !== '/v1/responses') throw new Refusal(404, 'Not Found');
      if (body === undefined) throw bad(': Invalid input: expected object');
      validateBody(body);
      const owner = ownerAgent(body.model as string, headers['x-openclaw-agent-id'], agents);
      const { agentId, sessionKey } = routeSession(headers['x-openclaw-session-key'], owner, body.user, agents);
      record.agentId = agentId;
      record.sessionKey = sessionKey;
      const items = Array.isArray(body.input) ? (body.input as Record<string, unknown>[]) : [{ type: 'message', role: 'user', content: body.input }];
      const userTexts = items
        .filter((i) => i.type === 'message' && i.role === 'user')
        .map((i) => (typeof i.content === 'string' ? i.content : (i.content as { text?: string }[]).map((p) => p.text ?? '').join('')));
      const turn = (turns.get(sessionKey) ?? 0) + 1;
      turns.set(sessionKey, turn);
      const scripted: ScriptedRequest = {
        agentId,
        sessionKey,
        body,
        headers,
        userText: userTexts.length > 0 ? userTexts.join('\n') : undefined,
        toolOutputs: items
          .filter((i) => i.type === 'function_call_output')
          .map((i) => ({ callId: i.call_id as string, name: issuedCalls.get(i.call_id as string), output: i.output as string })),
        tools: ((body.tools as { name: string }[] | undefined) ?? []).map((t) => t.name),
        turn,
      };
      const step = nextStep(agentId);
      const reply = typeof step === 'function' ? await step(scripted) : step;
      await answer(reply, scripted, res, record);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      record.error = err.message;
      send(res, record, err.status, err.body);
    }
  }

  async function start(): Promise<void> {
    if (server) return;
    const s = createServer((req, res) => {
      handle(req, res).catch((err: Error) => {
        if (!res.headersSent) send(res, requests[requests.length - 1], 500, { error: { message: `scripted step threw: ${err.message}`, type: 'server_error' } });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    if (!s) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
    await closed;
  }

  await start();
  const gateway: ScriptedGateway = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get running() {
      return server !== undefined;
    },
    requests,
    responsesRequests: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/responses'),
    script(agent, steps) {
      scripts.set(agent, [...(scripts.get(agent) ?? []), ...steps]);
      return gateway;
    },
    setDefault(step) {
      fallback = step;
      return gateway;
    },
    pending(agent) {
      if (agent !== undefined) return scripts.get(agent)?.length ?? 0;
      return [...scripts.values()].reduce((n, q) => n + q.length, 0);
    },
    setAgents(next) {
      agents = [...next];
    },
    setToken(next) {
      token = next;
    },
    reset() {
      scripts.clear();
      requests.length = 0;
      turns.clear();
      fallback = echo;
    },
    start,
    stop,
    close: stop,
  };
  return gateway;
}
