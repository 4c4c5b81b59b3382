/**
 * The scripted model: an OpenAI-compatible provider on 127.0.0.1 (`POST /v1/chat/completions`,
 * streamed or not, as the gateway asks; `GET /v1/models`) that a real OpenClaw gateway calls for
 * every agent turn. It decides each answer from the directives in the prompt (see `directives.ts`),
 * records every request (in memory and as JSON lines in `logFile`), and never calls anything.
 *
 * What it reads from OpenClaw's requests (observed with 2026.9.6, see docs/gateway.md):
 * - the agent and session from the `Runtime: agent=<id> | session=<key> | …` line that OpenClaw
 *   appends to the user message of each `/v1/responses` call (the "anchor" of a turn);
 * - a client tool's result as a user message `[<date>] Tool:<call_id>: <output>`;
 * - OpenClaw's own retry of a turn that gave no visible answer as a user message "The previous
 *   attempt did not produce a user-visible answer…" (the transcript then drops the silent answer).
 * Step k of a directive answers the k-th call for the same anchor, so a retry by the gateway, a
 * tool round and a later delivery attempt of the same notification each move the script on.
 */
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultStep, findDirective, offeredDeclineToken, triggerOf, type Step } from './directives.ts';

export const MODEL_ID = 'scripted-model';

export interface ModelAnswer {
  kind: 'text' | 'call' | 'hang';
  text?: string;
  tool?: string;
  args?: Record<string, unknown>;
  /** The call went through OpenClaw's Tool Search bridge (`tool_call`). */
  viaBridge?: boolean;
}

export interface ModelRequest {
  seq: number;
  at: number;
  path: string;
  stream: boolean;
  /** Null when the request does not look like an agent turn (then it is answered with plain text). */
  agent: string | null;
  session: string | null;
  trigger: string | null;
  notificationId: string | null;
  /** The user message that opened this turn, without OpenClaw's date prefix and Runtime line. */
  anchor: string;
  /** Text of the newest user message (a tool result, a retry nudge or the anchor itself). */
  lastUser: string;
  toolResult: boolean;
  retryNudge: boolean;
  /** Index of this call among the calls for the same anchor (0-based). */
  step: number;
  directive: string | null;
  offeredTools: string[];
  declineToken: string | null;
  systemPrompt: string;
  answer: ModelAnswer;
}

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && 'text' in p ? String((p as { text: unknown }).text) : '')).join('');
  return '';
}

const RUNTIME_LINE = /\n*Runtime: agent=([^\s|]+) \| session=([^\s|]+)[^\n]*\s*$/;
const INTERNAL = '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>';
const DATE_PREFIX = /^\[[^\]]{5,40}\] /;
const TOOL_RESULT = /^(\[[^\]]*\] )?Tool:[0-9A-Za-z_-]+: /;
const RETRY_NUDGE = /did not produce a user-visible answer/;
const CURRENT_MESSAGE = '[Current message - respond to this]';

export interface ScriptedModel {
  url: string;
  /** `http://127.0.0.1:<port>/v1`, the provider's baseUrl. */
  baseUrl: string;
  requests(): ModelRequest[];
  /** Turn requests of one notification (matched on the runtime's `Notification ID:` line). */
  forNotification(notificationId: string): ModelRequest[];
  close(): Promise<void>;
}

export async function startScriptedModel(options: { logFile: string; apiKey?: string }): Promise<ScriptedModel> {
  const records: ModelRequest[] = [];
  const stepCounts = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  let seq = 0;

  function decide(body: Record<string, unknown>, path: string): ModelRequest {
    const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessage[];
    const systemPrompt = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content)).join('\n');
    const users = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).filter((t) => !t.includes(INTERNAL));
    // OpenClaw appends the Runtime line only to the first user message of a session: the agent and
    // session come from there; the turn's anchor is the newest user message that is neither a tool
    // result nor OpenClaw's retry nudge.
    const runtimeLine = users.map((t) => RUNTIME_LINE.exec(t)).find((m) => m !== null);
    const lastUser = users.at(-1) ?? '';
    const anchorRaw = [...users].reverse().find((t) => !TOOL_RESULT.test(t) && !RETRY_NUDGE.test(t));
    const offeredTools = ((Array.isArray(body.tools) ? body.tools : []) as Array<{ function?: { name?: string }; name?: string }>)
      .map((t) => t.function?.name ?? t.name ?? '')
      .filter(Boolean);
    const base = {
      seq: ++seq,
      at: Date.now(),
      path,
      stream: body.stream === true,
      lastUser,
      toolResult: TOOL_RESULT.test(lastUser),
      retryNudge: RETRY_NUDGE.test(lastUser),
      offeredTools,
      systemPrompt,
    };
    if (!anchorRaw || !runtimeLine) {
      return { ...base, agent: null, session: null, trigger: null, notificationId: null, anchor: '', step: 0, directive: null, declineToken: null, answer: { kind: 'text', text: 'OK' } };
    }
    const [, agent, session] = runtimeLine;
    // After a turn without a reply OpenClaw folds the unanswered messages into the next one:
    // "[Chat messages since your last reply - for context] … [Current message - respond to this] …".
    const anchor = anchorRaw.replace(RUNTIME_LINE, '').split(CURRENT_MESSAGE).at(-1)!.trim().replace(DATE_PREFIX, '');
    const trigger = triggerOf(anchor);
    const notificationId = /Notification ID: ([A-Za-z0-9_-]+)/.exec(anchor)?.[1] ?? null;
    const key = `${agent}\u0000${anchor}`;
    const step = stepCounts.get(key) ?? 0;
    stepCounts.set(key, step + 1);
    const declineToken = offeredDeclineToken(systemPrompt) ?? null;
    const found = findDirective(anchor, agent, trigger);
    const plan: Step = found ? found.steps[Math.min(step, found.steps.length - 1)] : defaultStep(trigger, declineToken ?? undefined, agent);
    return { ...base, agent, session, trigger, notificationId, anchor, step, directive: found?.source ?? null, declineToken, answer: answerFor(plan, offeredTools, declineToken) };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: MODEL_ID, object: 'model', owned_by: 'scripted' }] }));
        return;
      }
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `scripted model: no route ${req.method} ${path}`, type: 'not_found' } }));
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'scripted model: body is not JSON', type: 'invalid_request_error' } }));
        return;
      }
      let record: ReturnType<typeof decide>;
      try {
        record = decide(body, path);
      } catch (err) {
        // A directive the test wrote badly: answer loudly (the gateway reports a failed turn) and log it.
        const message = `scripted model: ${(err as Error).message}`;
        appendFileSync(options.logFile, JSON.stringify({ error: message }) + '\n');
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message, type: 'server_error' } }));
        return;
      }
      records.push(record);
      const { systemPrompt, ...logged } = record;
      // The transcript as the model saw it, shortened: enough to see what OpenClaw sent.
      const transcript = ((body.messages ?? []) as ChatMessage[]).map((m) => `${m.role}: ${m.role === 'system' ? `(${textOf(m.content).length} chars)` : textOf(m.content).slice(0, 160)}${m.tool_calls ? ` [tool_calls ${JSON.stringify(m.tool_calls).slice(0, 160)}]` : ''}`);
      appendFileSync(options.logFile, JSON.stringify({ ...logged, systemPromptChars: systemPrompt.length, transcript }) + '\n');
      respond(res, body, record, hanging);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests: () => [...records],
    forNotification: (id) => records.filter((r) => r.notificationId === id),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answerFor(step: Step, offered: string[], declineToken: string | null): ModelAnswer {
  switch (step.kind) {
    case 'say':
      return { kind: 'text', text: step.text };
    case 'heartbeat-ok':
      return { kind: 'text', text: 'HEARTBEAT_OK' };
    case 'no-reply':
      return { kind: 'text', text: 'NO_REPLY' };
    case 'decline':
      return { kind: 'text', text: declineToken ?? 'SCRIPTED MODEL: asked to decline, but the instructions offered no token to decline with' };
    case 'hang':
      return { kind: 'hang' };
    case 'call':
      if (offered.includes(step.tool)) return { kind: 'call', tool: step.tool, args: step.args };
      if (offered.includes('tool_call')) return { kind: 'call', tool: 'tool_call', args: { id: step.tool, args: step.args }, viaBridge: true };
      return { kind: 'text', text: `SCRIPTED MODEL: tool ${step.tool} was not offered (offered: ${offered.join(', ') || 'none'})` };
  }
}

let callCounter = 0;

function respond(res: http.ServerResponse, body: Record<string, unknown>, record: ModelRequest, hanging: Set<http.ServerResponse>): void {
  const answer = record.answer;
  if (answer.kind === 'hang') {
    // Held until the gateway hangs up (or the model closes); capped so nothing waits forever.
    hanging.add(res);
    const timer = setTimeout(() => res.destroy(), 600_000);
    res.on('close', () => {
      clearTimeout(timer);
      hanging.delete(res);
    });
    return;
  }
  const id = `chatcmpl-scripted-${record.seq}`;
  const created = Math.floor(record.at / 1000);
  const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
  const toolCalls =
    answer.kind === 'call'
      ? [{ id: `call_scripted_${++callCounter}`, type: 'function', function: { name: answer.tool!, arguments: JSON.stringify(answer.args ?? {}) } }]
      : undefined;
  const finish = toolCalls ? 'tool_calls' : 'stop';
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: MODEL_ID,
        choices: [{ index: 0, message: { role: 'assistant', content: toolCalls ? null : answer.text, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: finish }],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: MODEL_ID, choices, ...extra })}\n\n`);
  if (toolCalls) {
    chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: toolCalls.map((c, index) => ({ index, ...c })) }, finish_reason: null }]);
  } else {
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    // Two deltas, as a real provider streams text in pieces.
    const text = answer.text ?? '';
    const cut = Math.ceil(text.length / 2);
    for (const piece of [text.slice(0, cut), text.slice(cut)]) if (piece) chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
  }
  chunk([{ index: 0, delta: {}, finish_reason: finish }]);
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) chunk([], { usage });
  res.end('data: [DONE]\n\n');
}
