/**
 * Issue 11 §1 end to end: delivery and heartbeats of one agent never run two
 * turns at once. An assignment and a due heartbeat for the same agent at the
 * same moment give exactly one agent message on the task. The scripted agent
 * behaves like the model did against a real gateway: a heartbeat that sees the
 * task in its tracked list without a reply of its own posts an independent update.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import type { ScriptedRequest } from '../support/scripted-gateway.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/**
 * The scripted agents: a heartbeat of the engineer that tracks the task without a reply of its own
 * posts an independent update (what the model did against a real gateway); every other turn is a
 * delivery, answered with `delivery`. `kinds` records what each engineer turn was.
 */
function scriptAgents(harness: Harness, task: () => string, kinds: string[], delivery: { text: string; delayMs?: number }): void {
  harness.gateway.setDefault(async (req: ScriptedRequest) => {
    const instructions = String(req.body.instructions ?? '');
    if (/HEARTBEAT_OK/.test(instructions) && !/Notification ID:/.test(req.userText ?? '')) {
      // Only the assignee's heartbeat is in question (the orchestrator tracks every task and stays quiet here).
      const taskId = task();
      const tracked = req.agentId === 'engineer' && taskId !== '' && (req.userText ?? '').includes(taskId);
      const replied = tracked && agentMessages(await harness.thread(taskId)).length > 0;
      if (req.agentId === 'engineer') kinds.push(tracked ? (replied ? 'heartbeat:replied' : 'heartbeat:update') : 'heartbeat:idle');
      return tracked && !replied ? { text: `Started looking at the new task.\nTask ID: ${taskId}` } : { text: 'HEARTBEAT_OK' };
    }
    kinds.push('delivery');
    return delivery;
  });
}

describe('heartbeat beside a delivery to the same agent', () => {
  it('an assignment and a due heartbeat at the same moment: exactly one agent message on the task', async () => {
    h = await startHarness({ extraPlugins: [{ use: 'heartbeat', options: { intervalOverrideMs: 300, jitterMs: 0, runTimeoutMs: 10_000 } }], delivery: { runTimeoutMs: 10_000 } });
    const harness = h;
    let taskId = '';
    const kinds: string[] = [];
    scriptAgents(harness, () => taskId, kinds, { text: 'On it: assignment acknowledged.', delayMs: 1500 });
    taskId = harness.createTask('Fix the login bug', 'engineer');
    await eventually(() => harness.t.logs.find((l) => l.msg === 'notification delivered' && l.agent === 'engineer'), 20_000, 'assignment delivered');
    // Let several more heartbeats pass after the delivery.
    await eventually(() => kinds.filter((k) => k.startsWith('heartbeat')).length >= 3, 20_000, 'heartbeats after the delivery');
    const messages = agentMessages(await harness.thread(taskId));
    expect(messages.map((m) => m.content)).toEqual(['On it: assignment acknowledged.']);
    expect(kinds).not.toContain('heartbeat:update');
    const deferred = await harness.t.kernel.metricsRegistry.getSingleMetricAsString('runtime_heartbeats_total');
    expect(deferred).toMatch(/outcome="deferred"\} [1-9]/);
  }, 60_000);

  it('a heartbeat due before the delivery loop has seen a new assignment leaves that task to the delivery', async () => {
    // The loop polls every 30 s: the assignment is in the backend, unseen, when the next heartbeat comes.
    h = await startHarness({ extraPlugins: [{ use: 'heartbeat', options: { intervalOverrideMs: 300, jitterMs: 0, runTimeoutMs: 10_000 } }], delivery: { intervalMs: 30_000, runTimeoutMs: 10_000 } });
    const harness = h;
    let taskId = '';
    const kinds: string[] = [];
    scriptAgents(harness, () => taskId, kinds, { text: 'On it: assignment acknowledged.' });
    // After the start's first poll, so only a heartbeat can be first to see the task.
    await eventually(() => kinds.includes('heartbeat:idle'), 20_000, 'a first heartbeat of the engineer');
    const before = kinds.length;
    taskId = harness.createTask('Fix the login bug', 'engineer');
    await eventually(() => kinds.slice(before).filter((k) => k.startsWith('heartbeat')).length >= 3, 20_000, 'heartbeats after the assignment');
    expect(kinds).not.toContain('heartbeat:update');
    // The heartbeat made the loop look: the assignment is delivered long before the 30 s poll.
    await eventually(() => harness.t.logs.find((l) => l.msg === 'notification delivered' && l.agent === 'engineer'), 20_000, 'assignment delivered');
    expect(agentMessages(await harness.thread(taskId)).map((m) => m.content)).toEqual(['On it: assignment acknowledged.']);
  }, 60_000);
});

