/**
 * Heartbeats beside deliveries (issue 11 §1, heartbeat side) and the schedule
 * after a restart (§2), on a real kernel with the embedded backend and the
 * scripted gateway. The agent-turns service comes from a small test provider
 * here (the delivery plugin provides the real one).
 */
import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { AgentTurnsRef } from '../../core/services.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { AgentTurns } from '../../core/ports/agent-turns.ts';
import type { ScriptedRequest } from '../../tests/support/scripted-gateway.ts';
import { eventually } from '../../tests/delivery/harness.ts';
import { heartbeatsOf, nthHeartbeat, setupHeartbeatEnv, type HeartbeatEnv } from './e2e-harness.ts';

let env: HeartbeatEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** An in-test agent-turns provider: the test says who is busy and which tasks are pending. */
function testTurns() {
  const busy = new Set<string>();
  const pending = new Map<string, Set<string>>();
  const holds: Array<{ agentId: string; reason: string; released: boolean }> = [];
  const listeners = new Set<(agentId: string) => void>();
  const service: AgentTurns = {
    busy: (id) => busy.has(id),
    pendingTaskIds: (id) => pending.get(id) ?? new Set(),
    hold(agentId, reason) {
      const h = { agentId, reason, released: false };
      holds.push(h);
      return () => {
        h.released = true;
      };
    },
    onIdle(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const plugin = definePlugin({
    id: 'test-turns',
    version: '0.0.0',
    provides: ['agent-turns'],
    configSchema: Type.Object({}, { additionalProperties: false }),
    register(api) {
      api.provide(AgentTurnsRef, service);
    },
  });
  return {
    plugin,
    busy,
    pending,
    holds,
    idle(agentId: string) {
      busy.delete(agentId);
      for (const l of [...listeners]) l(agentId);
    },
  };
}

async function heartbeatCount(e: HeartbeatEnv, outcome: string): Promise<number> {
  const metric = await e.t.kernel.metricsRegistry.getSingleMetric('runtime_heartbeats_total')!.get();
  return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

const turnsOf = (e: HeartbeatEnv, slug: string) => e.gateway.responsesRequests().filter((r) => r.agentId === slug);

describe('heartbeats beside deliveries (agent-turns)', () => {
  it('a heartbeat due for a busy agent is deferred and counted, runs once the agent is idle, and other agents are not held up', async () => {
    const turns = testTurns();
    env = await setupHeartbeatEnv({ plugins: [{ plugin: turns.plugin }] });
    env.createTask('Build the login page', 'engineer');
    turns.busy.add(env.seed.agents.engineer);
    await env.start();
    await nthHeartbeat(env, 'qa', 3); // qa keeps its rhythm
    expect(heartbeatsOf(env, 'engineer')).toEqual([]);
    expect(turnsOf(env, 'engineer')).toEqual([]);
    expect(await heartbeatCount(env, 'deferred')).toBe(1); // counted once, not once per re-check
    const status = env.t.kernel.health.statuses()['heartbeat'] as { deferred: string[] };
    expect(status.deferred).toEqual(['engineer']);
    expect(env.t.logs.find((l) => l.msg === 'heartbeat deferred')).toMatchObject({ agent: 'engineer', reason: 'agent has notifications pending' });

    turns.idle(env.seed.agents.engineer);
    const ev = await nthHeartbeat(env, 'engineer');
    expect(ev.outcome).toBe('ok');
    expect(await heartbeatCount(env, 'deferred')).toBe(1);
  });

  it('a deferred heartbeat is dropped as soon as shutdown begins instead of holding the drain', async () => {
    const turns = testTurns();
    // A budget far beyond the test timeout: a drain that waited for the deferred heartbeat would hang the test.
    env = await setupHeartbeatEnv({ plugins: [{ plugin: turns.plugin }], shutdownTimeoutMs: 600_000 });
    turns.busy.add(env.seed.agents.engineer);
    await env.start();
    await eventually(async () => (await heartbeatCount(env!, 'deferred')) === 1, 8000, 'a deferred heartbeat');
    await env.t.kernel.stop('test');
    expect(heartbeatsOf(env, 'engineer')).toEqual([]);
    expect(turns.holds.filter((h) => h.agentId === env!.seed.agents.engineer)).toEqual([]);
  });

  it('holds the agent while the heartbeat runs and releases it afterwards, also when the turn fails', async () => {
    const turns = testTurns();
    env = await setupHeartbeatEnv({ plugins: [{ plugin: turns.plugin }] });
    env.createTask('Build the login page', 'engineer');
    const heldDuringTurn: boolean[] = [];
    const held = () => turns.holds.some((h) => h.agentId === env!.seed.agents.engineer && !h.released && h.reason === 'heartbeat');
    env.gateway.script('engineer', [
      () => {
        heldDuringTurn.push(held());
        return { text: 'HEARTBEAT_OK' };
      },
      () => {
        heldDuringTurn.push(held());
        return { status: 500, body: { error: { message: 'boom' } } };
      },
    ]);
    await env.start();
    await nthHeartbeat(env, 'engineer', 2);
    expect(heldDuringTurn).toEqual([true, true]);
    expect(turns.holds.filter((h) => h.agentId === env!.seed.agents.engineer).every((h) => h.released)).toBe(true);
  });

  it('leaves tasks with undelivered notifications out of the tracked list', async () => {
    const turns = testTurns();
    env = await setupHeartbeatEnv({ plugins: [{ plugin: turns.plugin }] });
    const assigned = env.createTask('Newly assigned, notification pending', 'engineer');
    const older = env.createTask('Older work', 'engineer');
    turns.pending.set(env.seed.agents.engineer, new Set([assigned]));
    const seen: ScriptedRequest[] = [];
    env.gateway.script('engineer', [
      (req) => {
        seen.push(req);
        return { text: `Still on it.\nTask ID: ${assigned}` };
      },
    ]);
    await env.start();
    const ev = await nthHeartbeat(env, 'engineer');
    expect(seen[0]!.userText).toContain(older);
    expect(seen[0]!.userText).not.toContain(assigned);
    // A reply naming the pending task is not posted there.
    expect(ev).toMatchObject({ outcome: 'posted', taskId: older });
  });
});

describe('schedule after a restart', () => {
  it('resumes from each agent’s recorded last heartbeat; agents never seen get the staggered first run', async () => {
    const MINUTE = 60_000;
    const T = 1_900_000_000_000;
    const realStart = Date.now();
    // A fake clock: the kernel (and the embedded backend) live at T.
    const clock: Clock = { now: () => T + (Date.now() - realStart), sleep: systemClock.sleep };
    env = await setupHeartbeatEnv({ clock, heartbeat: { intervalOverrideMs: undefined, defaultIntervalMinutes: 60 } });
    env.setLastHeartbeat('engineer', T - 10 * MINUTE);
    env.setLastHeartbeat('orion', T - 3 * 60 * MINUTE);
    env.setLastHeartbeat('qa', null);
    await env.start();
    const scheduled = () => (env!.t.kernel.health.statuses()['heartbeat'] as { scheduled: Array<{ slug: string; nextAt: number | null; intervalMs: number }> }).scheduled;
    const engineer = scheduled().find((s) => s.slug === 'engineer')!;
    // Next run one interval after the recorded check-in (~50 min from now), not a fresh stagger. The clock
    // moves with real time, so the scheduler may read it a few ms after T: allow that drift, not more.
    expect(Math.abs(engineer.nextAt! - (T - 10 * MINUTE) - engineer.intervalMs)).toBeLessThan(5_000);
    // Never seen (qa) and overdue (orion): first runs in the start-up window (≤ 2 min), and they do run.
    await eventually(() => heartbeatsOf(env!, 'qa').length + heartbeatsOf(env!, 'orion').length > 0, 8000, 'a first heartbeat');
    expect(heartbeatsOf(env, 'engineer')).toEqual([]);
  });
});
