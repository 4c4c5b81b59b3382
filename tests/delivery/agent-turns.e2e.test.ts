/**
 * The AgentTurns port as the delivery plugin provides it (issue 11 §1, delivery
 * side): busy / pendingTaskIds / hold / onIdle on a real kernel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { AgentTurnsRef } from '../../core/services.ts';
import type { AgentTurns } from '../../core/ports/agent-turns.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const turnsOf = (h: Harness): AgentTurns => h.t.kernel.services.get(AgentTurnsRef)!;

describe('agent turns (delivery side)', () => {
  it('an agent is busy while its notification is queued or in flight, and idle listeners hear when it drains', async () => {
    h = await startHarness();
    const turns = turnsOf(h);
    const idle: string[] = [];
    turns.onIdle((agentId) => idle.push(agentId));
    const engineer = h.seed.agents.engineer;
    h.gateway.script('engineer', [{ text: 'On it.', delayMs: 800 }]);
    expect(turns.busy(engineer)).toBe(false);
    const taskId = h.createTask('Busy work', 'engineer');
    await eventually(() => h!.gateway.pending('engineer') === 1 || turns.busy(engineer), 10_000, 'picked up');
    await eventually(() => turns.busy(engineer), 10_000, 'busy');
    expect([...turns.pendingTaskIds(engineer)]).toEqual([taskId]);
    expect(turns.busy(h.seed.agents.qa)).toBe(false);
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 10_000, 'delivered');
    await eventually(() => idle.includes(engineer), 10_000, 'idle event');
    expect(turns.busy(engineer)).toBe(false);
    expect(turns.pendingTaskIds(engineer).size).toBe(0);
  });

  it('an agent whose notification waits for a retry stays busy', async () => {
    h = await startHarness({ delivery: { backoffBaseMs: 30_000, backoffMaxMs: 60_000 } });
    const turns = turnsOf(h);
    const engineer = h.seed.agents.engineer;
    h.gateway.script('engineer', [{ status: 500 }]);
    const taskId = h.createTask('Failing once', 'engineer');
    await eventually(() => h!.gateway.responsesRequests().some((r) => r.agentId === 'engineer'), 10_000, 'first attempt');
    await sleep(500);
    expect(turns.busy(engineer)).toBe(true);
    expect(turns.pendingTaskIds(engineer).has(taskId)).toBe(true);
  });

  it('a held agent waits; other agents are not held up; the release lets it run', async () => {
    h = await startHarness();
    const turns = turnsOf(h);
    h.gateway.script('engineer', [{ text: 'After the heartbeat.' }]);
    h.gateway.script('qa', [{ text: 'QA not held.' }]);
    const release = turns.hold(h.seed.agents.engineer, 'heartbeat');
    const held = h.createTask('Held', 'engineer');
    const free = h.createTask('Free', 'qa');
    await eventually(async () => agentMessages(await h!.thread(free)).length === 1, 10_000, 'qa delivered');
    await sleep(1500);
    expect(h.gateway.responsesRequests().filter((r) => r.agentId === 'engineer')).toEqual([]);
    expect(turns.busy(h.seed.agents.engineer)).toBe(true);
    release();
    release();
    await eventually(async () => agentMessages(await h!.thread(held)).length === 1, 10_000, 'engineer delivered after the release');
  });
});
