import { afterEach, describe, expect, it } from 'vitest';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { runDeliveriesCommand } from '../../plugins/delivery/cli.ts';
import path from 'node:path';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('delivery end to end (embedded backend + scripted gateway)', () => {
  it('delivers an assignment, posts the reply in the thread and advances the task', async () => {
    h = await startHarness();
    h.gateway.script('engineer', [{ text: 'On it — I will start with the schema.' }]);
    const taskId = h.createTask('Design the schema', 'engineer');
    const thread = await eventually(async () => {
      const t = agentMessages(await h!.thread(taskId));
      return t.length > 0 ? t : undefined;
    }, 15_000, 'agent reply');
    expect(thread.map((m) => m.content)).toEqual(['On it — I will start with the schema.']);
    // The orchestrator hears the reply as a thread update and declines (harness default).
    await eventually(async () => (await h!.undelivered()) === 0, 15_000, 'queue drained');
    expect(agentMessages(await h.thread(taskId))).toHaveLength(1);
    const details = await h.backend.getTaskForAgentTool({ agentId: h.seed.agents.orion, taskId });
    expect(details?.status).toBe('in_progress');
    // The run addressed the right agent through a mapped session key.
    const req = h.gateway.responsesRequests()[0];
    expect(req.body.model).toBe('openclaw/engineer');
    expect(String(req.headers['x-openclaw-session-key'])).toMatch(/^agent:engineer:task:/);
    expect(String(req.body.instructions)).toContain('This is an assignment');
  });

  it('waits out a gateway outage without spending retries, then delivers exactly once', async () => {
    h = await startHarness();
    await h.gateway.stop();
    const taskId = h.createTask('Outage task', 'engineer');
    // Several polls happen while the gateway is down.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await h.undelivered()).toBe(1);
    const store = h.store();
    expect(store.counts()).toEqual({ retrying: 0, dead: 0 });
    store.close();
    h.gateway.script('engineer', [{ text: 'Back and acknowledged.' }]);
    await h.gateway.start();
    await eventually(async () => (await h!.undelivered()) === 0, 15_000, 'delivery after recovery');
    await new Promise((r) => setTimeout(r, 1200)); // one more poll: nothing is posted twice
    expect(agentMessages(await h.thread(taskId)).map((m) => m.content)).toEqual(['Back and acknowledged.']);
  });

  it('dead-letters after the retry cap when the gateway answers 500 every time; visible and replayable', async () => {
    h = await startHarness();
    h.gateway.script('*', [{ status: 500 }, { status: 500 }, { status: 500 }]);
    const taskId = h.createTask('Doomed task', 'engineer');
    await eventually(async () => (await h!.undelivered()) === 0, 20_000, 'dead letter settled');
    const store = h.store();
    const [dead] = store.deadLetters();
    store.close();
    expect(dead).toMatchObject({ notificationType: 'assignment', attempts: 3, noticePosted: true });
    expect(dead.lastError).toMatch(/gateway failed 500|gateway http 500/);
    expect(h.gateway.responsesRequests()).toHaveLength(3);
    const notice = agentMessages(await h.thread(taskId));
    expect(notice).toHaveLength(1);
    expect(notice[0].content).toMatch(/^\*\*Delivery failed\*\* — Ada could not process this assignment after 3 attempts\./);
    expect(notice[0].content).not.toMatch(/NOTHING_TO_ADD|NO_REPLY|@/);

    // Operator view and replay through the CLI module, on the same store file.
    const lines: string[] = [];
    const io = { storeFile: path.join(h.dir, 'delivery.sqlite'), out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runDeliveriesCommand(['dead'], io)).toBe(0);
    expect(lines.join('\n')).toContain(dead.notificationId);
    h.gateway.script('engineer', [{ text: 'Replayed and acknowledged.' }]);
    expect(await runDeliveriesCommand(['retry', dead.notificationId], io)).toBe(0);
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 2, 15_000, 'replayed reply');
    expect(agentMessages(await h.thread(taskId)).map((m) => m.content)[1]).toBe('Replayed and acknowledged.');
    const after = h.store();
    expect(after.deadLetters()).toEqual([]);
    after.close();
  });
});
