import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { definePlugin } from '../../core/plugin.ts';
import { BackendService } from '../../core/services.ts';
import { BackendError, type BackendPort } from '../../core/ports/backend.ts';
import { openLocalBackend } from '../../plugins/backend-local/index.ts';
import { createLocalPort } from '../../plugins/backend-local/port.ts';
import type { ScriptedRequest } from '../support/scripted-gateway.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const taskIdIn = (req: ScriptedRequest) => /Task ID: (\S+)/.exec(req.userText ?? '')?.[1] ?? '';

describe('delivery with tools', () => {
  it('executes a tool call and its effect is visible in the backend', async () => {
    h = await startHarness();
    h.gateway.script('engineer', [
      (req) => ({ toolCalls: [{ name: 'task_status', arguments: { taskId: taskIdIn(req), status: 'review' } }] }),
      (req) => ({ text: `Moved to review (${req.toolOutputs[0].output.includes('"success":true') ? 'ok' : 'failed'}).` }),
    ]);
    const taskId = h.createTask('Review me', 'engineer');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 15_000, 'reply');
    expect(agentMessages(await h.thread(taskId))[0].content).toBe('Moved to review (ok).');
    expect((await h.backend.getTaskForAgentTool({ agentId: h.seed.agents.orion, taskId }))?.status).toBe('review');
    // The tools went to the gateway in the flat form, and the follow-up carried the call output.
    const [first, second] = h.gateway.responsesRequests().filter((r) => r.agentId === 'engineer');
    expect((first.body.tools as Array<{ name: string; type: string }>).map((t) => t.name)).toContain('task_status');
    expect((second.body.input as Array<{ type: string }>)[0].type).toBe('function_call_output');
  });

  it('does not post a stray NO_REPLY that follows a tool round', async () => {
    h = await startHarness();
    h.gateway.script('engineer', [
      (req) => ({ toolCalls: [{ name: 'task_status', arguments: { taskId: taskIdIn(req), status: 'in_progress' } }] }),
      { text: 'NO_REPLY' },
    ]);
    const taskId = h.createTask('Quiet task', 'engineer');
    await eventually(async () => (await h!.undelivered()) === 0, 15_000, 'delivered');
    expect(agentMessages(await h.thread(taskId))).toEqual([]);
    expect((await h.backend.getTaskForAgentTool({ agentId: h.seed.agents.orion, taskId }))?.status).toBe('in_progress');
    const store = h.store();
    expect(store.counts()).toEqual({ retrying: 0, dead: 0 });
    store.close();
  });
});

describe('delivery under faults', () => {
  it('a notification whose context fetch throws does not block the others', async () => {
    const poisoned = new Set<string>();
    const faulty = (dbPath: string, seed: { accountId: string; serviceToken: string }) => ({
      plugin: definePlugin({
        id: 'faulty-backend',
        version: '1',
        provides: ['backend'],
        configSchema: Type.Object({}),
        register(api) {
          const local = openLocalBackend(dbPath);
          const port = createLocalPort(local.service, { accountId: seed.accountId, serviceToken: seed.serviceToken });
          const wrapped: BackendPort = {
            ...port,
            async getNotificationForDelivery(args) {
              if (poisoned.has(args.notificationId)) throw new BackendError('rejected', 'getNotificationForDelivery', 'Server Error');
              return port.getNotificationForDelivery(args);
            },
          };
          api.provide(BackendService, wrapped);
          return { stop: () => local.close() };
        },
      }),
    });
    h = await startHarness({ backendPlugin: faulty });
    h.gateway.script('qa', [{ text: 'QA here, acknowledged.' }]);
    const bad = h.createTask('Poison', 'engineer');
    for (const n of await h.backend.listUndeliveredNotifications({})) poisoned.add(n._id);
    const good = h.createTask('Healthy', 'qa');
    await eventually(async () => agentMessages(await h!.thread(good)).length === 1, 15_000, 'healthy delivery');
    // The poisoned one spends its budget and is dead-lettered (no context: no notice), not retried forever.
    await eventually(async () => (await h!.undelivered()) === 0, 20_000, 'poison settled');
    const store = h.store();
    expect(store.deadLetters().map((d) => [d.notificationType, d.attempts, d.lastError])).toEqual([['assignment', 3, 'context fetch: backend refused getNotificationForDelivery: Server Error']]);
    store.close();
    expect(agentMessages(await h.thread(bad))).toEqual([]);
  });

  it('cancels a run that exceeds its deadline and never runs it twice at once', async () => {
    h = await startHarness({ delivery: { runTimeoutMs: 1000 } });
    const started: number[] = [];
    h.gateway.script('engineer', [
      () => {
        started.push(Date.now());
        return { hang: true };
      },
      () => {
        started.push(Date.now());
        return { text: 'Second attempt answered.' };
      },
    ]);
    const taskId = h.createTask('Slow task', 'engineer');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 20_000, 'reply after timeout');
    await new Promise((r) => setTimeout(r, 1500));
    expect(agentMessages(await h.thread(taskId)).map((m) => m.content)).toEqual(['Second attempt answered.']);
    expect(started).toHaveLength(2);
    // The retry began only after the first run's deadline cancelled it.
    expect(started[1] - started[0]).toBeGreaterThanOrEqual(1000);
    const store = h.store();
    expect(store.counts()).toEqual({ retrying: 0, dead: 0 });
    store.close();
  });

  it('resumes a backlog after a restart without duplicates', async () => {
    h = await startHarness({ runtime: { shutdownTimeoutMs: 1500 } });
    h.gateway.script('engineer', [{ text: 'Engineer ack.' }]);
    // QA's first run is still going when the runtime stops: it is cancelled and left undelivered.
    h.gateway.script('qa', [{ text: 'too late', delayMs: 4000 }, { text: 'QA ack after restart.' }]);
    const a = h.createTask('Backlog A', 'engineer');
    const b = h.createTask('Backlog B', 'qa');
    await eventually(async () => agentMessages(await h!.thread(a)).length === 1, 15_000, 'first delivery');
    await eventually(() => h!.gateway.pending('qa') === 1, 15_000, 'qa run in flight');
    await h.restart();
    await eventually(async () => agentMessages(await h!.thread(b)).length === 1, 15_000, 'backlog after restart');
    await eventually(async () => (await h!.undelivered()) === 0, 15_000, 'queue drained');
    await new Promise((r) => setTimeout(r, 1200));
    expect(agentMessages(await h.thread(a)).map((m) => m.content)).toEqual(['Engineer ack.']);
    expect(agentMessages(await h.thread(b)).map((m) => m.content)).toEqual(['QA ack after restart.']);
  });
});
