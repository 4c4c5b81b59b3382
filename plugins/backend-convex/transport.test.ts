/**
 * Failure classification, timeouts and retries of the Convex adapter, through
 * the real ConvexHttpClient against the loopback wire server with injected faults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, type BackendPort } from '../../core/ports/backend.ts';
import { openLocalBackend, type LocalBackend } from '../backend-local/index.ts';
import { seedDemoAccount, type SeedResult } from '../backend-local/seed.ts';
import { startConvexWireServer, type ConvexWireServer, type WireFault, type WireRequest } from '../../tests/support/convex-wire-server.ts';
import { createConvexPort, type AttemptEvent, type ConvexPortOptions } from './port.ts';

let dir: string;
let backend: LocalBackend;
let seed: SeedResult;
let server: ConvexWireServer;
let fault: ((req: WireRequest) => WireFault | undefined) | undefined;
let serverOptions: { redactErrors?: boolean; plainErrors?: boolean };

async function start(opts: { redactErrors?: boolean; plainErrors?: boolean } = {}): Promise<void> {
  serverOptions = opts;
  server = await startConvexWireServer({ service: backend.service, intercept: (req) => fault?.(req), ...serverOptions });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mc-convex-'));
  backend = openLocalBackend(join(dir, 'mc.sqlite'));
  seed = seedDemoAccount(backend.db);
  fault = undefined;
  await start();
});
afterEach(async () => {
  await server.close();
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

function port(extra: Partial<ConvexPortOptions> = {}): { port: BackendPort; attempts: AttemptEvent[] } {
  const attempts: AttemptEvent[] = [];
  const p = createConvexPort({
    url: server.url,
    accountId: seed.accountId,
    serviceToken: seed.serviceToken,
    requestTimeoutMs: 2000,
    retries: 2,
    sleep: async () => {},
    onAttempt: (e) => attempts.push(e),
    ...extra,
  });
  return { port: p, attempts };
}

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  const err = await promise.then(
    () => new Error('expected failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackendError);
  return err as BackendError;
}

describe('Convex adapter on the wire', () => {
  it('calls service/actions:<name> as an action with the contract args plus accountId and serviceToken', async () => {
    const { port: p } = port();
    await p.listAssignedTasksForAgent({ agentId: seed.agents.engineer, includeDone: undefined, limit: 5 });
    const req = server.requests.at(-1)!;
    expect(req).toMatchObject({ endpoint: '/api/action', path: 'service/actions:listAssignedTasksForAgent', fn: 'listAssignedTasksForAgent' });
    expect(req.args).toEqual({ agentId: seed.agents.engineer, limit: 5, accountId: seed.accountId, serviceToken: seed.serviceToken });
  });

  it('maps a function error with errorData {code} to rejected + code, also when messages are redacted', async () => {
    await server.close();
    await start({ redactErrors: true });
    const { port: p, attempts } = port();
    const err = await failure(p.assignTaskFromAgent({ taskId: 'taskx', agentId: seed.agents.engineer, assignedAgentIds: [] }));
    expect({ kind: err.kind, code: err.code, fn: err.functionName }).toEqual({ kind: 'rejected', code: 'forbidden', fn: 'assignTaskFromAgent' });
    expect(attempts).toHaveLength(1);
  });

  it('maps a plain redacted function error (the hosted backend) to rejected without a code, and never retries it', async () => {
    await server.close();
    await start({ redactErrors: true, plainErrors: true });
    const { port: p, attempts } = port();
    const err = await failure(p.markNotificationRead({ notificationId: 'ntfmissing' }));
    expect({ kind: err.kind, code: err.code }).toEqual({ kind: 'rejected', code: undefined });
    expect(err.message).toContain('Server Error');
    expect(attempts.map((a) => a.outcome)).toEqual(['rejected']); // safe to retry, but an answer is final
  });

  it('treats 5xx and other non-200 answers as unavailable and retries safe functions', async () => {
    let failures = 2;
    fault = () => (failures-- > 0 ? { kind: 'status', status: 503 } : undefined);
    const { port: p, attempts } = port();
    expect(await p.getOrchestratorAgentId()).toEqual({ orchestratorAgentId: seed.agents.orion });
    expect(attempts.map((a) => a.outcome)).toEqual(['unavailable', 'unavailable', 'ok']);

    fault = () => ({ kind: 'status', status: 401, body: '{"code":"Unauthenticated","message":"nope"}' });
    const err = await failure(p.listAgents());
    expect(err.kind).toBe('unavailable');
    expect(err.transient).toBe(true);
  });

  it('does not retry functions that are unsafe to repeat', async () => {
    fault = () => ({ kind: 'status', status: 502 });
    const { port: p, attempts } = port();
    const err = await failure(p.createTaskFromAgent({ agentId: seed.agents.orion, title: 'once' }));
    expect(err.kind).toBe('unavailable');
    expect(attempts).toHaveLength(1);
    expect(server.requests.filter((r) => r.fn === 'createTaskFromAgent')).toHaveLength(1);
  });

  it('times out a call that gets no answer within the deadline', async () => {
    fault = () => ({ kind: 'delay', ms: 1500 });
    const { port: p, attempts } = port({ requestTimeoutMs: 200, retries: 1 });
    const started = Date.now();
    const err = await failure(p.listUndeliveredNotifications({}));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1400);
    expect(attempts.map((a) => a.outcome)).toEqual(['timeout', 'timeout']);
  });

  it('classifies dropped connections, refused connections and non-Convex bodies as unavailable', async () => {
    fault = () => ({ kind: 'destroy' });
    expect((await failure(port({ retries: 0 }).port.listAgents())).kind).toBe('unavailable');

    fault = () => ({ kind: 'status', status: 200, body: '<html>proxy error</html>', contentType: 'text/html' });
    expect((await failure(port({ retries: 0 }).port.listAgents())).kind).toBe('unavailable');

    const url = server.url;
    await server.close();
    const refused = createConvexPort({ url, accountId: seed.accountId, serviceToken: seed.serviceToken, retries: 0 });
    expect((await failure(refused.listAgents())).kind).toBe('unavailable');
    await start();
  });

  it('the wire server answers like Convex for wrong kinds and unknown functions', async () => {
    const body = (path: string) => JSON.stringify({ path, format: 'convex_encoded_json', args: [{}] });
    const asQuery = await fetch(`${server.url}/api/query`, { method: 'POST', body: body('service/actions:listAgents'), headers: { 'Content-Type': 'application/json' } });
    expect(await asQuery.json()).toMatchObject({ status: 'error', errorMessage: expect.stringContaining('as Query, but it is defined as Action') });
    const unknown = await fetch(`${server.url}/api/action`, { method: 'POST', body: body('service/actions.js:nope'), headers: { 'Content-Type': 'application/json' } });
    expect(await unknown.json()).toMatchObject({ status: 'error', errorMessage: expect.stringContaining("Could not find public function for 'service/actions:nope'") });
    const bad = await fetch(`${server.url}/api/action`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
  });
});
