/**
 * The permission gaps of the original runtime (§15.2), closed the same way on
 * both paths: assignees are the orchestrator's, no task is born done or
 * archived, the done gate is one rule for offering and executing, and agents
 * change only their own tasks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startToolsHarness, type Call, type ToolsHarness } from '../support/tools-harness.ts';
import { statusForExecution } from '../../plugins/agent-http/status.ts';

let h: ToolsHarness;
beforeAll(async () => {
  h = await startToolsHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Runs the same call through both paths; returns the HTTP-equivalent status of each and the results. */
async function both(call: Call): Promise<{ statuses: [number, number]; results: [Record<string, unknown>, Record<string, unknown>] }> {
  const execution = await h.callFunction(call);
  const answer = await h.callHttp(call);
  return { statuses: [statusForExecution(execution), answer.status], results: [execution.result, answer.body] };
}

async function statusOf(taskId: string) {
  return (await h.backend.loadTaskDetailsForAgentTool({ agentId: h.agents.orion._id, taskId })).task;
}

const statusEnum = async (call: Omit<Call, 'tool' | 'args'>, tool = 'task_status') => {
  const spec = h.executor.functionTools(await h.context(call)).find((t) => t.name === tool)!;
  return (spec.parameters as { properties: { status: { enum: string[] } } }).properties.status.enum;
};

describe('assignees are the orchestrator’s', () => {
  it('task_update: other agents are neither offered assigneeSlugs nor allowed to send it', async () => {
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const spec = h.executor.functionTools(await h.context({ agent: 'engineer', taskId })).find((t) => t.name === 'task_update')!;
    expect(Object.keys((spec.parameters as { properties: object }).properties)).not.toContain('assigneeSlugs');
    const { statuses, results } = await both({ agent: 'engineer', taskId, tool: 'task_update', args: { assigneeSlugs: ['qa'] } });
    expect(statuses).toEqual([403, 403]);
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toMatchObject({ success: false, field: 'assigneeSlugs', error: expect.stringMatching(/^Forbidden: not allowed for this agent/) });
    expect((await statusOf(taskId)).assignedAgentIds).toEqual([h.agents.engineer._id]);
  });

  it('task_update: the orchestrator replaces assignees by slug', async () => {
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const { statuses } = await both({ agent: 'orion', taskId, tool: 'task_update', args: { assigneeSlugs: ['qa'] } });
    expect(statuses).toEqual([200, 200]);
    expect((await statusOf(taskId)).assignedAgentIds).toEqual([h.agents.qa._id]);
    const unknown = await both({ agent: 'orion', taskId, tool: 'task_update', args: { assigneeSlugs: ['ghost'] } });
    expect(unknown.statuses).toEqual([400, 400]);
    expect(unknown.results[0]).toMatchObject({ field: 'assigneeSlugs', error: 'invalid arguments: assigneeSlugs: unknown agent slugs: ghost' });
  });

  it('task_create: assigneeSlugs only from the orchestrator, which never assigns itself', async () => {
    // An agent allowed to create tasks, but not the orchestrator.
    const creator = { agent: 'engineer' as const, capabilities: { flags: { canCreateTasks: true } } };
    const { statuses } = await both({ ...creator, tool: 'task_create', args: { title: 'Mine', assigneeSlugs: ['qa'] } });
    expect(statuses).toEqual([403, 403]);
    const made = await h.callFunction({ agent: 'orion', tool: 'task_create', args: { title: 'Team work', assigneeSlugs: ['orion', 'qa'] } });
    expect((await statusOf(made.result.taskId as string)).assignedAgentIds).toEqual([h.agents.qa._id]);
    const self = await both({ agent: 'orion', tool: 'task_create', args: { title: 'Self', status: 'in_progress' } });
    expect(self.statuses).toEqual([400, 400]);
    expect(self.results[0]).toMatchObject({ field: 'assigneeSlugs' });
  });
});

describe('no task is created done or archived', () => {
  it.each(['done', 'archived'])('task_create with status %s is invalid on both paths', async (status) => {
    const { statuses, results } = await both({ agent: 'orion', tool: 'task_create', args: { title: 'Shortcut', status, assigneeSlugs: ['qa'] } });
    expect(statuses).toEqual([400, 400]);
    expect(results[0]).toMatchObject({ field: 'status', error: 'invalid arguments: /status must be one of inbox, assigned, in_progress, review, blocked' });
  });
});

describe('the done gate: one rule for offering and executing', () => {
  it('an agent with canMarkDone on a task in review is offered done and may set it', async () => {
    const taskId = await h.createTask({ status: 'review', assignees: ['qa'] });
    expect(await statusEnum({ agent: 'qa', taskId })).toContain('done');
    expect(await statusEnum({ agent: 'qa', taskId }, 'task_update')).toContain('done');
    const execution = await h.callFunction({ agent: 'qa', taskId, tool: 'task_status', args: { status: 'done' } });
    expect(execution).toMatchObject({ outcome: 'ok', result: { status: 'done' } });
    const viaHttp = await h.createTask({ status: 'review', assignees: ['qa'] });
    expect(await h.callHttp({ agent: 'qa', taskId: viaHttp, tool: 'task_update', args: { status: 'done' } })).toMatchObject({ status: 200 });
    expect((await statusOf(viaHttp)).status).toBe('done');
  });

  it.each([
    ['without the flag', 'engineer', 'review'],
    ['with the flag but the task not in review', 'qa', 'in_progress'],
  ] as const)('an agent %s is not offered done and is refused it on both paths', async (_label, agent, status) => {
    const taskId = await h.createTask({ status, assignees: [agent] });
    expect(await statusEnum({ agent, taskId })).not.toContain('done');
    for (const tool of ['task_status', 'task_update']) {
      const { statuses, results } = await both({ agent, taskId, tool, args: { status: 'done' } });
      expect(statuses).toEqual([403, 403]);
      expect(results[0]).toMatchObject({ field: 'status', error: expect.stringContaining('/status must be one of in_progress, review, blocked') });
    }
    expect((await statusOf(taskId)).status).toBe(status);
  });
});

describe('agents change only their own tasks', () => {
  it("an agent may not move another agent's task from its run", async () => {
    const mine = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const theirs = await h.createTask({ status: 'in_progress', assignees: ['qa'] });
    for (const [tool, args] of [
      ['task_status', { taskId: theirs, status: 'blocked', blockedReason: 'mine now' }],
      ['task_update', { taskId: theirs, title: 'Hijacked' }],
    ] as const) {
      const { statuses, results } = await both({ agent: 'engineer', taskId: mine, tool, args });
      expect(statuses).toEqual([403, 403]);
      expect(results[0]).toMatchObject({ error: 'Forbidden: you may only change the task of this run or tasks assigned to you' });
    }
    expect(await statusOf(theirs)).toMatchObject({ status: 'in_progress', title: 'A task' });
  });

  it('but may move another task it is assigned to, and the orchestrator may move any', async () => {
    const mine = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const alsoMine = await h.createTask({ status: 'in_progress', assignees: ['engineer', 'qa'] });
    expect((await h.callFunction({ agent: 'engineer', taskId: mine, tool: 'task_status', args: { taskId: alsoMine, status: 'review' } })).outcome).toBe('ok');
    const other = await h.createTask({ status: 'in_progress', assignees: ['qa'] });
    const chat = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    expect((await h.callHttp({ agent: 'orion', taskId: chat, tool: 'task_status', args: { taskId: other, status: 'review' } })).status).toBe(200);
  });

  it('a blocked status needs a reason, named as the field at fault', async () => {
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const { statuses, results } = await both({ agent: 'engineer', taskId, tool: 'task_status', args: { status: 'blocked' } });
    expect(statuses).toEqual([400, 400]);
    expect(results[1]).toMatchObject({ field: 'blockedReason' });
  });
});
