/**
 * The scripted gateway must refuse what a real OpenClaw 2026.9.x gateway refuses
 * (openclaw-gateway.md §0, §4 edge table); otherwise the client tests prove nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startScriptedGateway, type ScriptedGateway } from '../../tests/support/scripted-gateway.ts';

const TOKEN = 'lab-token-123';
let gw: ScriptedGateway;
beforeAll(async () => {
  gw = await startScriptedGateway({ agents: ['alpha', 'beta'], token: TOKEN });
});
afterAll(() => gw.close());
beforeEach(() => gw.reset());

const userInput = [{ type: 'message', role: 'user', content: 'hi' }];

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('scripted gateway contract', () => {
  it('answers 401 without or with a wrong token on both endpoints', async () => {
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401);
    expect((await post({ model: 'openclaw/alpha', input: userInput }, { authorization: 'Bearer nope' })).body).toEqual({
      error: { message: 'Unauthorized', type: 'unauthorized' },
    });
    const models = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['openclaw', 'openclaw/default', 'openclaw/alpha', 'openclaw/beta']);
  });

  it('rejects the nested tool form, both forms in one object, and unknown keys', async () => {
    const nested = { type: 'function', function: { name: 'x', parameters: {} } };
    expect((await post({ model: 'openclaw/alpha', input: userInput, tools: [nested] })).body.error.message).toMatch(/^tools\.0\.name: Invalid input/);
    const both = await post({ model: 'openclaw/alpha', input: userInput, tools: [{ ...nested, name: 'x' }] });
    expect(both).toEqual({ status: 400, body: { error: { message: 'tools.0: Unrecognized key: "function"', type: 'invalid_request_error' } } });
    expect((await post({ model: 'openclaw/alpha', input: userInput, parallel_tool_calls: false })).status).toBe(400);
    expect((await post({ model: 'openclaw/alpha', input: [{ type: 'function_call_output', call_id: 'a', output: 'x', status: 'completed' }] })).body.error.message).toBe(
      'input.0: Unrecognized key: "status"',
    );
    expect((await post({ model: 'openclaw/alpha', input: [{ role: 'user', content: 'hi' }] })).body.error.message).toBe('input: Invalid input');
  });

  it('requires a model naming a known agent when several are configured', async () => {
    expect((await post({ input: userInput })).status).toBe(400);
    expect((await post({ model: 'openclaw', input: userInput }, { 'x-openclaw-session-key': 'agent:alpha:x' })).body.error.message).toMatch(/Multiple agents/);
    expect((await post({ model: 'openclaw/gamma', input: userInput })).body.error.message).toBe("Unknown agent 'gamma'.");
    expect((await post({ model: 'openclaw', input: userInput }, { 'x-openclaw-agent-id': 'beta' })).status).toBe(200);
    expect(gw.requests.at(-1)!.agentId).toBe('beta');
  });

  it('routes by the session key prefix, like the real gateway', async () => {
    expect((await post({ model: 'openclaw/alpha', input: userInput }, { 'x-openclaw-session-key': 'agent:beta:e5' })).status).toBe(200);
    expect(gw.requests.at(-1)!.agentId).toBe('beta');
    const unknown = await post({ model: 'openclaw/alpha', input: userInput }, { 'x-openclaw-session-key': 'agent:gamma:x' });
    expect(unknown).toEqual({ status: 500, body: { status: 'failed', output: [], error: { code: 'api_error', message: 'internal error' } } });
    expect((await post({ model: 'openclaw/alpha', input: userInput }, { 'x-openclaw-session-key': 'acct-e6' })).status).toBe(500);
    expect((await post({ model: 'openclaw/alpha', input: userInput }, { 'x-openclaw-session-key': 'cron:x' })).status).toBe(400);
    await post({ model: 'openclaw/alpha', input: userInput, user: 'u1' });
    expect(gw.requests.at(-1)!.sessionKey).toBe('agent:alpha:openresponses-user:u1');
  });

  it('issues 9-hex call ids and reports follow-up outputs with the tool name', async () => {
    let seen: unknown;
    gw.script('*', [{ toolCalls: [{ name: 'task_status', arguments: { id: 1 } }] }, (req) => ((seen = req.toolOutputs), { text: 'ok' })]);
    const first = await post({ model: 'openclaw/alpha', input: userInput });
    const call = first.body.output[0];
    expect(call).toMatchObject({ type: 'function_call', name: 'task_status', arguments: '{"id":1}' });
    expect(call.call_id).toMatch(/^[0-9a-f]{9}$/);
    expect(first.body).not.toHaveProperty('output_text');
    const second = await post({ model: 'openclaw/alpha', input: [{ type: 'function_call_output', call_id: call.call_id, output: 'R' }] });
    expect(second.body.output[0].content[0]).toEqual({ type: 'output_text', text: 'ok' });
    expect(seen).toEqual([{ callId: call.call_id, name: 'task_status', output: 'R' }]);
  });

  it('serves agent scripts before wildcard scripts, then the default', async () => {
    gw.script('*', [{ text: 'any' }]).script('alpha', [{ text: 'mine' }]).setDefault({ text: 'default' });
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await post({ model: 'openclaw/alpha', input: userInput })).body.output[0].content[0].text);
    expect(texts).toEqual(['mine', 'any', 'default']);
  });

  it('stops and starts again on the same port', async () => {
    const url = gw.url;
    await gw.stop();
    await expect(fetch(`${url}/v1/models`)).rejects.toThrow();
    await gw.start();
    expect(gw.url).toBe(url);
    expect((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
