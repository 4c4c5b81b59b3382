/**
 * The failure table of docs/delivery.md, one test per row: what each gateway
 * answer does to a notification (retry, pause, dead letter) and to the account.
 * Real kernel, embedded backend, scripted gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { definePlugin } from '../../core/plugin.ts';
import { createServiceRef } from '../../core/services.ts';
import { createAgent, userCreateTask } from '../../plugins/backend-local/admin.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const storeState = (h: Harness) => {
  const s = h.store();
  try {
    return { counts: s.counts(), dead: s.deadLetters() };
  } finally {
    s.close();
  }
};
const logged = (h: Harness, msg: string) => h.t.logs.lines().filter((l) => l.msg === msg);

describe('failure table (docs/delivery.md)', () => {
  it('outage: gateway refusing the token (401) pauses delivery, spends no budget, posts nothing; resumes when the token works again', async () => {
    h = await startHarness({ gatewayToken: 'tok', delivery: { maxAttempts: 2 } });
    h.gateway.script('engineer', [{ text: 'Engineer ack after the token fix.' }]);
    await eventually(() => h!.gateway.requests.some((r) => r.path === '/v1/models' && r.status === 200), 10_000, 'gateway probed');
    h.gateway.setToken('rotated');
    const taskId = h.createTask('Token rotated', 'engineer');
    await eventually(() => h!.gateway.requests.some((r) => r.path === '/v1/responses' && r.status === 401), 10_000, 'refused run');
    await sleep(1500);
    expect(logged(h, 'delivery paused until the gateway and backend answer again').length).toBeGreaterThan(0);
    expect(storeState(h).counts).toEqual({ retrying: 0, dead: 0 });
    expect(agentMessages(await h.thread(taskId))).toEqual([]);
    expect(await h.undelivered()).toBe(1);
    h.gateway.setToken('tok');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 15_000, 'delivered after the fix');
    expect(agentMessages(await h.thread(taskId))[0].content).toBe('Engineer ack after the token fix.');
  });

  it('answered: an agent the gateway does not know yet (400 Unknown agent) is retried and agent sync is asked to run', async () => {
    const syncs: number[] = [];
    const SyncRef = createServiceRef<{ syncNow(): Promise<string> }>('agent-sync');
    const fakeSync = definePlugin({
      id: 'agent-sync',
      version: '1',
      provides: ['agent-sync'],
      configSchema: Type.Object({}),
      register(api) {
        api.provide(SyncRef, {
          async syncNow() {
            syncs.push(Date.now());
            // The sync brings the roster up to date.
            h?.gateway.setAgents(['orion', 'engineer', 'qa']);
            return 'changed';
          },
        });
      },
    });
    h = await startHarness({ extraPlugins: [{ plugin: fakeSync }], delivery: { maxAttempts: 2 } });
    h.gateway.setAgents(['orion', 'qa']);
    h.gateway.script('engineer', [{ text: 'Engineer here, new in the roster.' }]);
    const taskId = h.createTask('New agent', 'engineer');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 15_000, 'delivered after the sync');
    expect(syncs.length).toBeGreaterThanOrEqual(1);
    expect(h.gateway.responsesRequests().some((r) => r.status === 400)).toBe(true);
    expect(storeState(h).counts).toEqual({ retrying: 0, dead: 0 });
  });

  it('answered: 429 is retried with backoff, not dead-lettered', async () => {
    h = await startHarness({ delivery: { maxAttempts: 3 } });
    h.gateway.script('engineer', [{ status: 429, body: { error: { message: 'slow down', type: 'rate_limit' } } }, { text: 'After the rate limit.' }]);
    const taskId = h.createTask('Rate limited', 'engineer');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 15_000, 'delivered on retry');
    expect(storeState(h).counts).toEqual({ retrying: 0, dead: 0 });
  });

  it('permanent: a request the gateway can never accept (400) is dead-lettered at once', async () => {
    h = await startHarness({ delivery: { maxAttempts: 3 } });
    h.gateway.script('engineer', [{ status: 400, body: { error: { message: 'input: Invalid input', type: 'invalid_request_error' } } }]);
    h.createTask('Malformed', 'engineer');
    const state = await eventually(() => (storeState(h!).dead.length === 1 ? storeState(h!) : undefined), 15_000, 'dead letter');
    expect(state.dead[0].attempts).toBe(1);
    expect(h.gateway.responsesRequests().filter((r) => r.agentId === 'engineer')).toHaveLength(1);
    expect(logged(h, 'delivery paused until the gateway and backend answer again')).toEqual([]);
  });

  it('permanent: a session key the runtime cannot map (invalid_request) dead-letters that notification only and never pauses the account', async () => {
    h = await startHarness({ delivery: { maxAttempts: 3 } });
    h.gateway.script('qa', [{ text: 'QA unaffected.' }]);
    const longSlug = `a${'x'.repeat(70)}`;
    const taskId = h.write((ctx) => {
      const agentId = createAgent(ctx, { name: 'Long Slug', slug: longSlug, role: 'Engineer' });
      return userCreateTask(ctx, h!.seed.userId, { title: 'Unmappable', assignedAgentIds: [agentId] });
    });
    const good = h.createTask('Healthy', 'qa');
    await eventually(async () => agentMessages(await h!.thread(good)).length === 1, 15_000, 'other agent delivered');
    const state = await eventually(() => (storeState(h!).dead.length === 1 ? storeState(h!) : undefined), 15_000, 'dead letter');
    expect(state.dead[0]).toMatchObject({ taskId, attempts: 1 });
    expect(state.dead[0].lastError).toContain('invalid_request');
    expect(logged(h, 'delivery paused until the gateway and backend answer again')).toEqual([]);
    const probes = h.gateway.requests.filter((r) => r.path === '/v1/models').length;
    await sleep(1000);
    // Only the gateway plugin's own prober (every 200 ms here) probes: no pause/resume spin.
    expect(h.gateway.requests.filter((r) => r.path === '/v1/models').length - probes).toBeLessThan(15);
  });
});
