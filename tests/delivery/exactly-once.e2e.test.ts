/**
 * Exactly-once tool effects (issue: "nothing done twice"): a mutating call that
 * the same notification makes again — in a later round of the same turn (a
 * gateway replay) or in a later attempt after a failed turn — gets the recorded
 * result and does not run again. Real kernel, embedded backend, scripted gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import type { ScriptedRequest } from '../support/scripted-gateway.ts';
import { runCli } from '../support/cli.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const taskIdIn = (req: ScriptedRequest) => /Task ID: (\S+)/.exec(req.userText ?? '')?.[1] ?? '';

const metric = (h: Harness, name: string): Promise<string> => h.t.kernel.metricsRegistry.getSingleMetricAsString(name);

describe('exactly-once tool effects', () => {
  it('a call repeated in a later round of the same turn runs once: one document, one reply', async () => {
    h = await startHarness();
    let taskId = '';
    const outputs: string[] = [];
    h.gateway.script('engineer', [
      (req) => {
        taskId = taskIdIn(req);
        return { toolCalls: [{ name: 'document_upsert', arguments: { taskId, title: 'Plan', content: '# Plan\n1. build', type: 'deliverable' } }] };
      },
      // The gateway replays the turn and the model repeats the identical call (keys in another order).
      (req) => {
        outputs.push(req.toolOutputs[0].output);
        return { toolCalls: [{ name: 'document_upsert', arguments: JSON.stringify({ type: 'deliverable', content: '# Plan\n1. build', title: 'Plan', taskId }) }] };
      },
      (req) => {
        outputs.push(req.toolOutputs[0].output);
        return { text: 'Plan written.' };
      },
    ]);
    const created = h.createTask('Write the plan', 'engineer');
    await eventually(async () => agentMessages(await h!.thread(created)).length === 1, 15_000, 'reply');
    const docs = await h.backend.listDocumentsForAgent({ taskId: created });
    expect(docs.documents.filter((d) => d.title === 'Plan')).toHaveLength(1);
    expect(outputs).toHaveLength(2);
    expect(JSON.parse(outputs[1])).toEqual(JSON.parse(outputs[0]));
    expect(JSON.parse(outputs[0])).toMatchObject({ success: true });
    expect(agentMessages(await h.thread(created))).toHaveLength(1);
    expect(await metric(h, 'runtime_tool_calls_total')).toMatch(/tool="document_upsert",outcome="replayed",via="gateway"\} 1/);
    expect(h.t.logs.find((l) => String(l.msg).startsWith('tool call replayed') && l.tool === 'document_upsert')).toBeDefined();
  });

  it('a call repeated in the next attempt after a failed turn runs once: one task, one reply', async () => {
    h = await startHarness();
    const call = { name: 'task_create', arguments: { title: 'Follow-up: write tests', description: 'from the plan', priority: 2 } };
    const outputs: string[] = [];
    h.gateway.script('orion', [
      { toolCalls: [call] },
      // The turn fails after the tool ran: an answered failure, the notification is retried.
      { status: 500, body: { error: { message: 'upstream exploded' } } },
      { toolCalls: [{ ...call, arguments: { priority: 2, description: 'from the plan', title: 'Follow-up: write tests' } }] },
      (req) => {
        outputs.push(req.toolOutputs[0].output);
        return { text: 'Created the follow-up task.' };
      },
    ]);
    const taskId = h.createTask('Plan the follow-ups', 'orion');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 20_000, 'reply after the retry');
    const tasks = await h.backend.listTasksForAgentTool({ agentId: h.seed.agents.orion, limit: 100 });
    expect(tasks.filter((t) => t.title === 'Follow-up: write tests')).toHaveLength(1);
    expect(JSON.parse(outputs[0])).toMatchObject({ success: true });
    expect(agentMessages(await h.thread(taskId))).toEqual([expect.objectContaining({ content: 'Created the follow-up task.' })]);
    expect(await metric(h, 'runtime_tool_calls_total')).toMatch(/tool="task_create",outcome="replayed",via="gateway"\} 1/);
    // The attempt history shows both attempts, with their tool calls (written within FLUSH_AFTER_MS).
    const store = h.store();
    await eventually(() => store.attempts.of(lastDelivered(h!)).length === 2, 5000, 'the attempt history to be written');
    const attempts = store.attempts.of(lastDelivered(h));
    store.close();
    expect(attempts.map((a) => [a.outcome, a.toolCalls.map((c) => `${c.tool}:${c.outcome}`)])).toEqual([
      ['retry', ['task_create:ok']],
      ['delivered', ['task_create:replayed']],
    ]);
    // The operator's view of the same history: `mc-runtime deliveries show <id>`.
    const shown = await runCli(['deliveries', 'show', lastDelivered(h)], { env: { RUNTIME_DATA_DIR: h.dir }, timeoutMs: 60_000 });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/attempt 1 {2}retry .*\n.*upstream exploded[\s\S]*tools: task_create ok/);
    expect(shown.stdout).toMatch(/attempt 2 {2}delivered[\s\S]*tools: task_create replayed/);
    expect(shown.stdout).toMatch(/tool effects recorded[\s\S]*task_create \{"description":"from the plan","priority":2,"title":"Follow-up: write tests"\}/);
    const missing = await runCli(['deliveries', 'show', 'nosuchnotification'], { env: { RUNTIME_DATA_DIR: h.dir }, timeoutMs: 60_000 });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no attempts recorded for nosuchnotification/);
  }, 120_000);
});

function lastDelivered(h: Harness): string {
  const ids = h.t.logs.lines().filter((l) => l.msg === 'notification delivered').map((l) => String(l.notificationId));
  return ids[ids.length - 1];
}
