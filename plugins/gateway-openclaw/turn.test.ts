/**
 * The multi-round turn against the scripted gateway, which enforces the real
 * gateway's strict contract (a malformed request fails these tests with a 400).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as httpCreateServer } from 'node:http';
import { GatewayError, type AgentTurnRequest, type FunctionToolSpec, type GatewayToolCall } from '../../core/ports/gateway.ts';
import { startScriptedGateway, type ScriptedGateway } from '../../tests/support/scripted-gateway.ts';
import { createGatewayClient } from './client.ts';
import { runAgentTurn, type TurnSettings } from './turn.ts';

const TOKEN = 'test-token-123';
const taskStatus: FunctionToolSpec = {
  type: 'function',
  name: 'task_status',
  description: 'Look up a task',
  parameters: { type: 'object', properties: { task_id: { type: 'string' } }, required: ['task_id'] },
};

let gw: ScriptedGateway;
beforeAll(async () => {
  gw = await startScriptedGateway({ agents: ['alpha', 'beta'], token: TOKEN });
});
afterAll(async () => {
  await gw.close();
});
afterEach(() => {
  expect(gw.pending()).toBe(0); // every scripted step was consumed
  gw.reset();
});

/** `token: null` means "no token configured". */
function settings(overrides: Partial<TurnSettings> = {}, url = gw.url, tokenOrNull: string | null = TOKEN): TurnSettings {
  const token = tokenOrNull ?? undefined;
  return {
    client: createGatewayClient({ url, token, requestTimeoutMs: 5000 }),
    token,
    maxToolRounds: 8,
    turnTimeoutMs: 5000,
    ...overrides,
  };
}

function request(overrides: Partial<AgentTurnRequest> = {}): AgentTurnRequest {
  return { agentSlug: 'alpha', sessionKey: 'task:t1:agent:alpha:acc1:v1', input: 'What is the status of T-42?', ...overrides };
}

const executor = (log: GatewayToolCall[] = []) => async (call: GatewayToolCall, round: number) => {
  log.push(call);
  return JSON.stringify({ success: true, round, args: JSON.parse(call.arguments) });
};

async function gatewayError(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected the turn to fail');
}

describe('runAgentTurn', () => {
  it('sends the strict request and returns a single reply', async () => {
    gw.script('alpha', [{ text: 'All good.', usage: { input_tokens: 5, output_tokens: 3 } }]);
    const result = await runAgentTurn(settings(), request({ instructions: 'Be brief.' }));
    expect(result).toMatchObject({ text: 'All good.', rounds: 0, roundCapReached: false, toolCalls: [] });
    expect(result.gatewaySessionKey).toBe('agent:alpha:task:t1:acc1:v1');
    expect(result.usage).toEqual({ inputTokens: 5, outputTokens: 3, totalTokens: 8 });
    expect(result.responseIds).toHaveLength(1);
    const [sent] = gw.responsesRequests();
    expect(sent.status).toBe(200);
    expect(sent.agentId).toBe('alpha');
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers['x-openclaw-agent-id']).toBe('alpha');
    expect(sent.headers['x-openclaw-session-key']).toBe('agent:alpha:task:t1:acc1:v1');
    expect(sent.body).toEqual({
      model: 'openclaw/alpha',
      input: [{ type: 'message', role: 'user', content: 'What is the status of T-42?' }],
      stream: false,
      user: 'agent:alpha:task:t1:acc1:v1',
      instructions: 'Be brief.',
    });
  });

  it('routes a system key of another agent to that agent', async () => {
    gw.script('beta', [{ text: 'beta here' }]);
    const result = await runAgentTurn(settings(), request({ agentSlug: 'beta', sessionKey: 'system:agent:beta:acc1:v3' }));
    expect(result.text).toBe('beta here');
    expect(gw.responsesRequests()[0].sessionKey).toBe('agent:beta:system:acc1:v3');
  });

  it('runs one tool round: echoes the gateway call_id and resends tools and instructions', async () => {
    gw.script('alpha', [
      { toolCalls: [{ name: 'task_status', arguments: { task_id: 'T-42' } }] },
      (req) => ({ text: `FINAL ${req.toolOutputs[0].name} ${req.toolOutputs[0].output}` }),
    ]);
    const calls: GatewayToolCall[] = [];
    const result = await runAgentTurn(settings(), request({ tools: [taskStatus], instructions: 'I', executeTool: executor(calls) }));
    expect(result.rounds).toBe(1);
    expect(result.roundCapReached).toBe(false);
    expect(calls).toHaveLength(1);
    expect(calls[0].callId).toMatch(/^[0-9a-f]{9}$/);
    expect(result.text).toBe('FINAL task_status {"success":true,"round":1,"args":{"task_id":"T-42"}}');
    const [first, second] = gw.responsesRequests();
    expect(first.body.tools).toEqual([{ type: 'function', name: 'task_status', description: 'Look up a task', parameters: taskStatus.parameters }]);
    expect(first.body.tool_choice).toBe('auto');
    expect(second.body.input).toEqual([{ type: 'function_call_output', call_id: calls[0].callId, output: result.toolCalls[0].output }]);
    expect(second.body.tools).toEqual(first.body.tools);
    expect(second.body.instructions).toBe('I');
    expect(second.sessionKey).toBe(first.sessionKey);
    expect(result.responseIds).toHaveLength(2);
    expect(result.usage).toEqual({ inputTokens: 22, outputTokens: 14, totalTokens: 36 });
  });

  it('runs several tool rounds, several calls per round, in order', async () => {
    gw.script('alpha', [
      { toolCalls: [{ name: 'task_status', arguments: { task_id: 'A' } }, { name: 'task_status', arguments: { task_id: 'B' } }] },
      { toolCalls: [{ name: 'task_status', arguments: { task_id: 'C' } }] },
      { toolCalls: [{ name: 'task_status', arguments: { task_id: 'D' } }] },
      (req) => ({ text: `done after turn ${req.turn}` }),
    ]);
    const calls: GatewayToolCall[] = [];
    const result = await runAgentTurn(settings(), request({ tools: [taskStatus], executeTool: executor(calls) }));
    expect(result.text).toBe('done after turn 4');
    expect(result.rounds).toBe(3);
    expect(result.toolCalls.map((c) => [c.round, JSON.parse(c.arguments).task_id])).toEqual([
      [1, 'A'],
      [1, 'B'],
      [2, 'C'],
      [3, 'D'],
    ]);
    expect(gw.responsesRequests()[1].body.input).toHaveLength(2);
  });

  it('stops at the round cap without executing the last calls', async () => {
    gw.script('alpha', [
      { toolCalls: [{ name: 'task_status', arguments: { task_id: 'A' } }] },
      { toolCalls: [{ name: 'task_status', arguments: { task_id: 'B' } }], text: 'still working' },
    ]);
    const calls: GatewayToolCall[] = [];
    const result = await runAgentTurn(settings({ maxToolRounds: 5 }), request({ tools: [taskStatus], executeTool: executor(calls), maxToolRounds: 1 }));
    expect(result).toMatchObject({ roundCapReached: true, rounds: 1, text: 'still working' });
    expect(calls.map((c) => JSON.parse(c.arguments).task_id)).toEqual(['A']);
    expect(gw.responsesRequests()).toHaveLength(2);
  });

  it('uses the configured cap when the request sets none; cap 0 executes nothing', async () => {
    gw.script('alpha', [{ toolCalls: [{ name: 'task_status', arguments: {} }] }]);
    const calls: GatewayToolCall[] = [];
    const result = await runAgentTurn(settings({ maxToolRounds: 0 }), request({ tools: [taskStatus], executeTool: executor(calls) }));
    expect(result).toMatchObject({ roundCapReached: true, rounds: 0, text: null });
    expect(calls).toHaveLength(0);
  });

  it('surfaces 400 as a permanent http error', async () => {
    gw.script('alpha', [{ status: 400, body: { error: { message: 'input: Invalid input', type: 'invalid_request_error' } } }]);
    const err = await gatewayError(runAgentTurn(settings(), request()));
    expect(err).toMatchObject({ kind: 'http', status: 400, permanent: true, answered: true });
    expect(err.message).toContain('input: Invalid input');
  });

  it('gets a real 401 with a wrong token, and sends no Authorization header without one', async () => {
    const wrong = await gatewayError(runAgentTurn(settings({}, gw.url, 'wrong-token'), request()));
    expect(wrong).toMatchObject({ kind: 'http', status: 401, permanent: true });
    expect(wrong.message).not.toContain('wrong-token');
    const none = await gatewayError(runAgentTurn(settings({}, gw.url, null), request()));
    expect(none.status).toBe(401);
    expect(gw.responsesRequests()[1].headers.authorization).toBeUndefined();
  });

  it('treats 500 as transient, and the NO_REPLY 500 failed body as an answered failed run', async () => {
    gw.script('alpha', [{ status: 500, body: { error: { message: 'oops', type: 'server_error' } } }, { noReply: true }]);
    const plain = await gatewayError(runAgentTurn(settings(), request()));
    expect(plain).toMatchObject({ kind: 'http', status: 500, permanent: false, answered: true });
    const failed = await gatewayError(runAgentTurn(settings(), request()));
    expect(failed).toMatchObject({ kind: 'failed', status: 500, permanent: false, answered: true });
  });

  it('times out on a body that never finishes', async () => {
    gw.script('alpha', [{ hang: true }]);
    const err = await gatewayError(runAgentTurn(settings(), request({ timeoutMs: 300 })));
    expect(err).toMatchObject({ kind: 'timeout', answered: true, permanent: false });
    expect(err.message).toBe('agent turn did not finish within 300 ms');
  });

  it('applies the turn deadline across rounds', async () => {
    gw.script('alpha', [{ toolCalls: [{ name: 'task_status', arguments: {} }] }, { hang: true }]);
    const err = await gatewayError(runAgentTurn(settings(), request({ timeoutMs: 300, tools: [taskStatus], executeTool: executor() })));
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('agent turn did not finish within 300 ms (after 1 tool rounds)');
  });

  it('times out when the per-request cap is shorter than the turn deadline', async () => {
    gw.script('alpha', [{ hang: true }]);
    const s = settings();
    s.client = createGatewayClient({ url: gw.url, token: TOKEN, requestTimeoutMs: 200 });
    const err = await gatewayError(runAgentTurn(s, request({ timeoutMs: 5000 })));
    expect(err.kind).toBe('timeout');
  });

  it('reports connection refused as unreachable (not answered)', async () => {
    const url = await closedPortUrl();
    const err = await gatewayError(runAgentTurn(settings({}, url), request()));
    expect(err).toMatchObject({ kind: 'unreachable', answered: false, permanent: false });
  });

  it('reports a socket closed without an answer as unreachable', async () => {
    gw.script('alpha', [{ destroy: true }]);
    const err = await gatewayError(runAgentTurn(settings(), request()));
    expect(err.kind).toBe('unreachable');
  });

  it('does not follow a redirect: the configured URL is wrong, so the gateway counts as unreachable', async () => {
    const redirecting = httpCreateServer((_req, res) => res.writeHead(307, { location: gw.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      const err = await gatewayError(runAgentTurn(settings({}, url), request()));
      expect(err).toMatchObject({ kind: 'unreachable', answered: false, status: 307 });
      expect(gw.requests).toHaveLength(0);
    } finally {
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it('surfaces an incomplete response', async () => {
    gw.script('alpha', [{ incomplete: true, text: 'half an ans', reason: 'max_output_tokens' }]);
    const err = await gatewayError(runAgentTurn(settings(), request()));
    expect(err).toMatchObject({ kind: 'incomplete', answered: true });
  });

  it('ignores reasoning items', async () => {
    gw.script('alpha', [{ reasoning: 'private chain of thought', text: 'Public answer.' }]);
    const result = await runAgentTurn(settings(), request());
    expect(result.text).toBe('Public answer.');
  });

  it('never returns a non-JSON body as text', async () => {
    gw.script('alpha', [{ rawBody: '<html>Bad Gateway</html>', contentType: 'text/html' }]);
    const err = await gatewayError(runAgentTurn(settings(), request()));
    expect(err.kind).toBe('invalid_response');
  });

  it('surfaces an unknown agent as a permanent 400', async () => {
    const err = await gatewayError(runAgentTurn(settings(), request({ agentSlug: 'gamma', sessionKey: 'system:agent:gamma:acc1:v1' })));
    expect(err).toMatchObject({ kind: 'http', status: 400, permanent: true });
    expect(err.message).toContain("Unknown agent 'gamma'");
  });

  it('refuses to send a key of another agent, and tools without an executor', async () => {
    const other = await gatewayError(runAgentTurn(settings(), request({ sessionKey: 'task:t1:agent:beta:acc1:v1' })));
    expect(other).toMatchObject({ kind: 'invalid_request', permanent: true, answered: false });
    const noExec = await gatewayError(runAgentTurn(settings(), request({ tools: [taskStatus] })));
    expect(noExec.kind).toBe('invalid_request');
    expect(gw.responsesRequests()).toHaveLength(0);
  });

  it("cancels an in-flight turn with the caller's signal", async () => {
    gw.script('alpha', [{ hang: true }]);
    const controller = new AbortController();
    const turn = runAgentTurn(settings(), request({ signal: controller.signal, timeoutMs: 10_000 }));
    await waitFor(() => gw.responsesRequests().length === 1);
    controller.abort();
    const err = await gatewayError(turn);
    expect(err).toMatchObject({ kind: 'aborted', answered: false });
  });

  it('cancels while a tool runs, passing the signal to the executor', async () => {
    gw.script('alpha', [{ toolCalls: [{ name: 'task_status', arguments: {} }] }]);
    const controller = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const turn = runAgentTurn(
      settings(),
      request({
        tools: [taskStatus],
        signal: controller.signal,
        executeTool: (_call, _round, signal) => {
          toolSignal = signal;
          controller.abort();
          return new Promise<string>(() => undefined); // a tool that never returns
        },
      }),
    );
    const err = await gatewayError(turn);
    expect(err.kind).toBe('aborted');
    expect(toolSignal?.aborted).toBe(true);
  });
});

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
