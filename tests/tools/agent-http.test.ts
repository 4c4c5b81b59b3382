/**
 * The HTTP fallback's transport and auth rules: run tokens (missing, forged,
 * expired, revoked, another agent's), caller addresses, body limits, malformed
 * input, the legacy session-key opt-in, OpenAPI, and no 5xx from bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startToolsHarness, type ToolsHarness } from '../support/tools-harness.ts';
import { toolHttpPath } from '../../core/tools/registry.ts';

let h: ToolsHarness;
let taskId: string;
let engineerToken: string;

beforeAll(async () => {
  h = await startToolsHarness();
  taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
  engineerToken = await h.token({ agent: 'engineer', taskId });
});
afterAll(async () => {
  await h?.close();
});

describe('run token auth', () => {
  it('accepts a valid token, as Bearer or x-mc-run-token', async () => {
    expect((await h.post('/agent/task-load', {}, { token: engineerToken })).status).toBe(200);
    expect((await h.post('/agent/task-load', {}, { headers: { 'x-mc-run-token': engineerToken } })).status).toBe(200);
  });

  it('answers 401 to a missing, malformed or forged token', async () => {
    const missing = await h.post('/agent/task-load', {});
    expect(missing).toMatchObject({ status: 401, body: { success: false, error: expect.stringMatching(/^Missing run token/) } });
    expect((await h.post('/agent/task-load', {}, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await h.post('/agent/task-load', {}, { token: 'mcrt.e30.AAAA' })).body).toEqual({ success: false, error: 'Invalid run token' });
    expect((await h.post('/agent/task-load', {}, { headers: { authorization: `Bearer ${engineerToken} extra` } })).status).toBe(401);
    // The engineer knows the process secret from its own token, but not the id of another run's token.
    const guessed = `${engineerToken.slice(0, -24)}${'Q'.repeat(24)}`;
    expect(await h.post('/agent/task-list', {}, { token: guessed })).toMatchObject({ status: 401, body: { error: 'Invalid run token' } });
    expect((await h.post('/agent/task-load', {}, { token: `mcrt_${'x'.repeat(48)}` })).status).toBe(401);
  });

  it('answers 401 to an expired or revoked token', async () => {
    const short = await h.token({ agent: 'engineer', taskId }, 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await h.post('/agent/task-load', {}, { token: short })).toMatchObject({ status: 401, body: { error: 'Run token expired: this run is over' } });
    const done = await h.token({ agent: 'engineer', taskId });
    expect((await h.post('/agent/task-load', {}, { token: done })).status).toBe(200);
    h.tokens.revoke(done);
    expect(await h.post('/agent/task-load', {}, { token: done })).toMatchObject({ status: 401, body: { error: 'Run token revoked: this run is over' } });
  });

  it("an agent's token never acts as another agent: 403 for the orchestrator's tools, no agentId override", async () => {
    expect(await h.post('/agent/task-assign', { taskId, assigneeSlugs: ['qa'] }, { token: engineerToken })).toMatchObject({
      status: 403,
      body: { success: false, error: 'Tool task_assign is not available to this agent in this context' },
    });
    expect(await h.post('/agent/task-load', { agentId: h.agents.orion._id }, { token: engineerToken })).toMatchObject({ status: 400, body: { field: 'agentId' } });
    // A session key of the orchestrator next to the engineer's token changes nothing.
    const withKey = await h.post('/agent/task-list', {}, { token: engineerToken, headers: { 'x-openclaw-session-key': h.agents.orion.systemSessionKey } });
    expect(withKey.status).toBe(403);
  });

  it('ignores the legacy session key unless explicitly enabled', async () => {
    const answer = await h.post('/agent/task-list', {}, { headers: { 'x-openclaw-session-key': h.agents.orion.systemSessionKey } });
    expect(answer).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^Missing run token/) } });
  });

  it('never writes a run token to the log', async () => {
    const token = await h.token({ agent: 'qa', taskId });
    await h.post('/agent/task-load', {}, { token });
    h.api.logger.warn({ debugDump: `header was Bearer ${token}` }, `token ${token} in a message`);
    await new Promise((r) => setImmediate(r));
    const text = h.logs.text();
    expect(text).toContain('[Redacted]');
    expect(text).not.toContain(token);
    // What remains of a token in a line authenticates nothing.
    expect(text).toContain(`mcrt_[Redacted]${token.slice(-24)}`);
  });
});

describe('callers and input', () => {
  it('refuses non-loopback callers by default (403), also for the OpenAPI document', async () => {
    for (const remoteAddress of ['10.0.0.7', '172.18.0.4', '192.168.1.9', '::ffff:10.0.0.7', 'fd00::2']) {
      const answer = await h.post('/agent/task-load', {}, { token: engineerToken, remoteAddress });
      expect(answer, remoteAddress).toMatchObject({ status: 403, body: { success: false, error: expect.stringContaining('loopback') } });
    }
    expect((await h.app.inject({ method: 'GET', url: '/agent/openapi.json', remoteAddress: '10.0.0.7' })).statusCode).toBe(403);
    expect((await h.post('/agent/task-load', {}, { token: engineerToken, remoteAddress: '::ffff:127.0.0.1' })).status).toBe(200);
  });

  it('serves real loopback sockets', async () => {
    const res = await fetch(`${h.kernel.services.get<{ baseUrl(): string }>({ id: 'http' })!.baseUrl()}/agent/task-load`, {
      method: 'POST',
      headers: { authorization: `Bearer ${engineerToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, data: { task: { _id: taskId } } });
  });

  it('answers 413 to an oversized body, 400 to malformed JSON, 405 to other methods, 404 to unknown tools', async () => {
    const big = { taskId, messageLimit: 1, pad: 'x'.repeat(70 * 1024) };
    expect(await h.post('/agent/task-load', big, { token: engineerToken })).toMatchObject({ status: 413, body: { success: false, error: expect.stringContaining('65536') } });
    expect(await h.post('/agent/task-status', '{"status":', { token: engineerToken })).toMatchObject({ status: 400, body: { success: false, field: '' } });
    // No content type at all (curl -d without -H): still JSON.
    const plain = await h.app.inject({ method: 'POST', url: '/agent/task-load', payload: '{}', headers: { authorization: `Bearer ${engineerToken}`, 'content-type': 'text/plain' } });
    expect(plain.statusCode).toBe(200);
    // An empty body means "no arguments".
    expect((await h.post('/agent/task-load', undefined, { token: engineerToken })).status).toBe(200);
    const get = await h.app.inject({ method: 'GET', url: '/agent/task-status' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await h.post('/agent/task-teleport', {}, { token: engineerToken })).status).toBe(404);
    expect((await h.post('/agent/task_status', {}, { token: engineerToken })).status).toBe(404);
    expect((await h.post('/agent/task-status/extra', {}, { token: engineerToken })).status).toBe(404);
  });

  it('never answers 5xx to bad input, on any tool', async () => {
    const orionToken = await h.token({ agent: 'orion', taskId });
    let deep: unknown = {};
    for (let i = 0; i < 500; i++) deep = { a: deep };
    const bodies: Array<string | object> = [
      'null', '[]', '"text"', '42', 'true', '{', '{"a":}', '\u00ff\u00fe', '{"taskId":{}}', '{"taskId":null}',
      { taskId: 'x'.repeat(300) }, { taskId: 'nonexistent' }, { title: '\u0000' }, { status: ['review'] }, { limit: 1e308 },
      { prNumber: -1 }, { prNumber: 1e300 }, { messageLimit: 1.5 }, JSON.parse('{"__proto__":{"isOrchestrator":true}}'),
      { constructor: { prototype: { polluted: true } } }, { deep }, { assigneeSlugs: ['ghost', '@', ''] }, { recipientSlugs: Array(11).fill('qa'), message: 'x' },
      { query: '%' }, { content: '\ud800' }, { dueDate: -5 },
    ];
    for (const { definition } of h.kernel.tools.list()) {
      for (const body of bodies) {
        const answer = await h.post(toolHttpPath(definition.name), typeof body === 'string' ? body : JSON.stringify(body), { token: orionToken });
        expect(answer.status, `${definition.name} ${JSON.stringify(body).slice(0, 60)} → ${JSON.stringify(answer.body)}`).toBeLessThan(500);
        expect(typeof answer.body.success).toBe('boolean');
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('OpenAPI', () => {
  it('documents every tool endpoint with the schema the tool validates against', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/agent/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const tools = h.kernel.tools.list();
    expect(Object.keys(doc.paths).sort()).toEqual(tools.map((t) => toolHttpPath(t.definition.name)).sort());
    const status = tools.find((t) => t.definition.name === 'task_status')!.definition;
    expect(doc.paths['/agent/task-status'].post).toMatchObject({
      operationId: 'task_status',
      summary: 'change task status',
      requestBody: { content: { 'application/json': { schema: JSON.parse(JSON.stringify(status.parameters)) } } },
      responses: { '200': expect.any(Object), '400': expect.any(Object), '401': expect.any(Object), '413': expect.any(Object) },
    });
    expect(doc.components.securitySchemes.runToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });
});

describe('legacy session keys (opt-in)', () => {
  let legacy: ToolsHarness;
  beforeAll(async () => {
    legacy = await startToolsHarness({ agentHttp: { legacySessionKeyAuth: true } });
  });
  afterAll(async () => {
    await legacy?.close();
  });

  it('accepts a known system session key and keeps the agent it names', async () => {
    const orion = await legacy.post('/agent/task-list', {}, { headers: { 'x-openclaw-session-key': legacy.agents.orion.systemSessionKey } });
    expect(orion).toMatchObject({ status: 200, body: { success: true } });
    const engineer = await legacy.post('/agent/task-list', {}, { headers: { 'x-openclaw-session-key': legacy.agents.engineer.systemSessionKey } });
    expect(engineer.status).toBe(403);
    expect(legacy.logs.find((l) => String(l.msg).includes('legacySessionKeyAuth is on'))).toBeDefined();
  });

  it('refuses unknown keys, and still prefers a run token when one is sent', async () => {
    for (const key of ['system:agent:ghost:acct:v1', 'nonsense', `system:agent:orion:${legacy.agents.orion.accountId}:v99`]) {
      expect((await legacy.post('/agent/task-list', {}, { headers: { 'x-openclaw-session-key': key } })).status, key).toBe(401);
    }
    const token = await legacy.token({ agent: 'engineer' });
    const answer = await legacy.post('/agent/task-list', {}, { token, headers: { 'x-openclaw-session-key': legacy.agents.orion.systemSessionKey } });
    expect(answer.status).toBe(403);
  });

  it('derives the task context from a task session key', async () => {
    const task = await legacy.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const key = `task:${task}:agent:engineer:${legacy.agents.engineer.accountId}:v1`;
    const answer = await legacy.post('/agent/task-status', { status: 'review' }, { headers: { 'x-openclaw-session-key': key } });
    expect(answer).toMatchObject({ status: 200, body: { success: true, status: 'review' } });
  });
});
