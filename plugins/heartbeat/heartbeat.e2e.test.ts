/**
 * End-to-end: a real kernel with the embedded backend on a temp SQLite file, the
 * real gateway client against the scripted gateway, the agent tools and the
 * heartbeat plugin on a 300 ms test interval. No delivery plugin: every gateway
 * request here is a heartbeat.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ScriptedRequest } from '../../tests/support/scripted-gateway.ts';
import { eventually } from '../../tests/delivery/harness.ts';
import { setupHeartbeatEnv, type HeartbeatEnv as Env } from './e2e-harness.ts';

let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const setup = () => setupHeartbeatEnv();

const engineerEvent = (e: Env, n = 1) => eventually(() => e.events.filter((x) => x.agentSlug === 'engineer')[n - 1], 20_000, 'engineer heartbeat');
const agentPosts = async (e: Env, taskId: string) =>
  (await e.backend.loadTaskDetailsForAgentTool({ agentId: e.seed.agents.orion, taskId, messageLimit: 50 })).thread.filter((m) => m.authorType === 'agent');
const isHeartbeat = (req: ScriptedRequest) => (req.userText ?? '').includes('Heartbeat check-in');

describe('heartbeat plugin (end to end)', () => {
  it('HEARTBEAT_OK posts nothing and updates lastHeartbeat', async () => {
    env = await setup();
    const task = env.createTask('Build the login page', 'engineer');
    const seen: ScriptedRequest[] = [];
    env.gateway.script('engineer', [
      (req) => {
        seen.push(req);
        return { text: 'HEARTBEAT_OK' };
      },
    ]);
    await env.start();
    const ev = await engineerEvent(env);
    expect(ev).toMatchObject({ outcome: 'ok', taskId: task, reason: 'HEARTBEAT_OK' });
    expect(await agentPosts(env, task)).toEqual([]);
    const agent = (await env.backend.listAgents()).find((a) => a.slug === 'engineer')!;
    expect(agent.lastHeartbeat).toBeGreaterThan(0);
    expect(agent.currentTaskId).toBe(task);
    // The turn ran on the agent's system session with its tools and a heartbeat prompt naming the task.
    expect(isHeartbeat(seen[0]!)).toBe(true);
    expect(seen[0]!.userText).toContain(`Focus Task ID: ${task}`);
    expect(seen[0]!.sessionKey).toMatch(/^agent:engineer:system:/); // the system session, mapped by the gateway client
    expect(seen[0]!.tools.length).toBeGreaterThan(0);
  });

  it('an update is posted once to the focus task thread', async () => {
    env = await setup();
    const task = env.createTask('Fix flaky test', 'engineer');
    env.gateway.script('engineer', [{ text: `Reproduced the flake; fixing the timer now.\nTask ID: ${task}` }]);
    await env.start();
    const ev = await engineerEvent(env);
    expect(ev).toMatchObject({ outcome: 'posted', taskId: task });
    await engineerEvent(env, 2); // the next heartbeat (HEARTBEAT_OK by default) adds nothing
    const posts = await agentPosts(env, task);
    expect(posts.map((p) => p.content)).toEqual([`Reproduced the flake; fixing the timer now.\nTask ID: ${task}`]);
  });

  it('a reply naming a task the agent does not track goes to the focus task, never to the named one', async () => {
    env = await setup();
    const mine = env.createTask('My task', 'engineer');
    const other = env.createTask('Someone else’s task', 'qa');
    env.gateway.script('engineer', [{ text: `Progress made.\nTask ID: ${other}` }]);
    await env.start();
    const ev = await engineerEvent(env);
    expect(ev).toMatchObject({ outcome: 'posted', taskId: mine });
    expect(ev.reason).toContain(other);
    expect((await agentPosts(env, mine)).length).toBe(1);
    expect(await agentPosts(env, other)).toEqual([]);
  });

  it('NO_REPLY, placeholders, the silent token and a gateway no-reply 500 are never posted', async () => {
    env = await setup();
    const task = env.createTask('Quiet task', 'engineer');
    env.gateway.script('engineer', [{ text: 'NO_REPLY' }, { text: 'No response from OpenClaw.' }, { text: 'NOTHING_TO_ADD' }, { noReply: true }]);
    await env.start();
    const outcomes = [];
    for (let i = 1; i <= 4; i++) outcomes.push((await engineerEvent(env, i)).outcome);
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'failed']);
    expect(await agentPosts(env, task)).toEqual([]);
  });

  it('gateway down: the cycle is skipped and nothing is posted', async () => {
    env = await setup();
    const task = env.createTask('Offline task', 'engineer');
    await env.gateway.stop();
    await env.start();
    const ev = await engineerEvent(env);
    expect(ev.outcome).toBe('skipped');
    expect(ev.reason).toMatch(/gateway/);
    expect(await agentPosts(env, task)).toEqual([]);
    const status = env.t.kernel.health.statuses()['heartbeat'] as { scheduled: unknown[]; last: Record<string, { outcome: string }> };
    expect(status.scheduled.length).toBe(3);
    expect(status.last[env.seed.agents.engineer]?.outcome).toBe('skipped');
    await env.gateway.start(); // so close() can stop it cleanly
  });

  it('roster changes apply: a changed agent is read fresh at its next run, a removed agent stops', async () => {
    env = await setup();
    env.createTask('Roster task', 'engineer');
    const instructions: string[] = [];
    env.gateway.setDefault((req) => {
      if (req.agentId === 'engineer') instructions.push(String(req.body.instructions));
      return { text: 'HEARTBEAT_OK' };
    });
    await env.start();
    await engineerEvent(env);
    const agents = await env.backend.listAgents();
    const renamed = agents.map((a) => (a.slug === 'engineer' ? { ...a, name: 'Ada Renamed' } : a));
    await env.agentsChanged(renamed);
    const before = env.events.filter((x) => x.agentSlug === 'engineer').length;
    await engineerEvent(env, before + 1);
    expect(instructions.at(-1)).toContain('Ada Renamed');
    await env.agentsChanged(renamed.filter((a) => a.slug !== 'engineer'));
    await new Promise((r) => setTimeout(r, 100)); // a run already in flight may still finish
    const count = env.events.filter((x) => x.agentSlug === 'engineer').length;
    await eventually(() => env!.events.filter((x) => x.agentSlug === 'qa').length >= 3 + count, 8000, 'qa keeps running');
    expect(env.events.filter((x) => x.agentSlug === 'engineer').length).toBe(count);
    const status = env.t.kernel.health.statuses()['heartbeat'] as { scheduled: Array<{ slug: string }> };
    expect(status.scheduled.map((s) => s.slug).sort()).toEqual(['orion', 'qa']);
  });
});
