/**
 * `npm run test:openclaw`: the runtime as a real process between the embedded backend and a REAL
 * OpenClaw gateway (npm `openclaw`, version pinned in install-gateway.ts), with only the model
 * scripted. Each scenario drives the backend as a user would, with directives for the model in task
 * titles and messages, and asserts the effects in the backend and in the model's request log.
 *
 * One world for the whole file (the gateway takes 10–90 s to start); scenarios run in order and each
 * uses its own tasks. Nothing is skipped: if the gateway cannot be installed or started, every
 * scenario fails with that error. On a failure the scenario's name, what differed, and the tails of
 * the runtime, gateway and model logs are printed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createAgent, userCreateTask, userPostMessage } from '../../plugins/backend-local/admin.ts';
import type { TaskStatus } from '../../core/ports/domain.ts';
import { directive } from './directives.ts';
import { eventually } from './processes.ts';
import type { ModelRequest } from './scripted-model.ts';
import { removeWorldDir, RUNTIME_SETTINGS, startWorld, TURN_TIMEOUT_MS, type NotificationRow, type World } from './world.ts';

let world: World | undefined;
let startError: Error | undefined;
let failures = 0;

beforeAll(async () => {
  try {
    world = await startWorld();
  } catch (err) {
    startError = err as Error;
  }
});

afterAll(async () => {
  if (!world) return;
  await world.stop();
  if (failures === 0 && !startError) removeWorldDir(world);
  else console.error(`real-gateway suite: logs and state kept in ${world.dir}`);
});

/** A scenario: fails with the start error if the world never came up; prints the log tails on failure. */
function scenario(name: string, fn: (w: World) => Promise<void>): void {
  it(name, async () => {
    onTestFailed(() => {
      failures++;
      console.error(world ? world.report(name) : `real-gateway scenario failed: ${name} (the gateway world did not start)`);
    });
    if (startError || !world) {
      throw new Error(`the real OpenClaw gateway world could not be started: ${startError?.message ?? 'unknown error'}`);
    }
    await fn(world);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function agentIds(w: World) {
  return w.backend.seed.agents;
}

function createTask(w: World, title: string, assignees: string[], status?: TaskStatus): string {
  return w.backend.write((ctx) => userCreateTask(ctx, w.backend.seed.userId, { title, assignedAgentIds: assignees, ...(status ? { status } : {}) }));
}

function postAsUser(w: World, taskId: string, content: string): string {
  return w.backend.write((ctx) => userPostMessage(ctx, w.backend.seed.userId, taskId, content));
}

async function notification(w: World, taskId: string, match: (n: NotificationRow) => boolean, what: string): Promise<NotificationRow> {
  return eventually(what, () => w.backend.notifications(taskId).find(match), 10_000);
}

async function deliveredNotification(w: World, id: string, what: string): Promise<void> {
  await eventually(`${what} (notification ${id}) to be marked delivered`, () => isDelivered(w, id), TURN_TIMEOUT_MS);
}

function isDelivered(w: World, id: string): boolean {
  return !!w.backend.notification(id)?.delivered_at;
}

function turnSummary(requests: ModelRequest[]) {
  return requests.map((r) => ({ agent: r.agent, trigger: r.trigger, step: r.step, toolResult: r.toolResult, retryNudge: r.retryNudge, answer: r.answer }));
}

/** The runtime's log lines about one notification. */
function deliveryLog(w: World, notificationId: string) {
  return w.runtimeLog().filter((l) => l.notificationId === notificationId);
}

describe(`real OpenClaw gateway (runtime settings: ${Object.entries(RUNTIME_SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ')})`, () => {
  scenario('9. openclaw config validate on the merged product config: valid, zero warnings', async (w) => {
    const merged = JSON.parse(readFileSync(w.gatewayConfigPath, 'utf8')) as {
      gateway: { http: { endpoints: { responses: { enabled: boolean } } } };
      agents: { entries: Record<string, { workspace: string }> };
    };
    // The gateway runs on the product's config: base + the runtime's roster (+ the operator overlay).
    expect(merged.gateway.http.endpoints.responses.enabled, 'merged config: /v1/responses enabled by the base').toBe(true);
    expect(Object.keys(merged.agents.entries).sort(), 'merged config: the roster written by profile sync').toEqual(['engineer', 'orion', 'qa']);
    const res = await w.openclaw(['config', 'validate']);
    const output = `${res.stdout}\n${res.stderr}`.trim();
    expect(res.code, `openclaw config validate exit code; output:\n${output}`).toBe(0);
    expect(output, 'openclaw config validate says the config is valid').toMatch(/Config valid/);
    expect(output.split('\n').filter((l) => /warn/i.test(l)), 'openclaw config validate warnings').toEqual([]);
  });

  scenario('1. assignment → exactly one agent reply, task in_progress, and still one 3 s later', async (w) => {
    const { engineer } = agentIds(w);
    const reply = 'On it: I will draft the release notes today.';
    const taskId = createTask(w, `Draft the release notes ${directive('engineer', [`say ${reply}`])}`, [engineer]);
    const n = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
    await eventually('an agent reply on the task', () => w.backend.agentMessages(taskId).length > 0, TURN_TIMEOUT_MS);
    await eventually('the task to move to in_progress', () => w.backend.task(taskId).status === 'in_progress', 30_000);
    await sleep(3000);
    expect(w.backend.agentMessages(taskId).map((m) => [m.author_id, m.content]), 'agent messages on the task 3 s after the reply').toEqual([[engineer, reply]]);
    expect(w.backend.task(taskId).status, 'task status').toBe('in_progress');
    expect(isDelivered(w, n.id), 'assignment marked delivered').toBe(true);
    const turns = w.model.forNotification(n.id);
    expect(turnSummary(turns), 'model requests for the assignment').toEqual([
      { agent: 'engineer', trigger: 'assignment', step: 0, toolResult: false, retryNudge: false, answer: { kind: 'text', text: reply } },
    ]);
    expect(turns[0].session, 'gateway session key of the turn').toMatch(new RegExp(`^agent:engineer:task:${taskId}:`));
  });

  scenario('2. client tool round trip: the model calls task_status, the task changes, the final text is posted once', async (w) => {
    const { engineer } = agentIds(w);
    const reply = 'Changelog drafted; moved the task to review.';
    const taskId = createTask(w, `Write the changelog ${directive('engineer', ['call task_status {"status":"review"}', `say ${reply}`])}`, [engineer]);
    const n = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
    await deliveredNotification(w, n.id, 'the assignment');
    expect(w.backend.task(taskId).status, 'task status after the tool call').toBe('review');
    expect(w.backend.agentMessages(taskId).map((m) => [m.author_id, m.content]), 'agent messages on the task').toEqual([[engineer, reply]]);
    const turns = w.model.forNotification(n.id);
    expect(turns.map((t) => t.answer.kind), 'model answers: a function call, then text').toEqual(['call', 'text']);
    const call = turns[0].answer;
    expect(call.viaBridge ? (call.args as { id: string }).id : call.tool, 'the function the model called').toBe('task_status');
    expect(turns[1].toolResult, 'second model request carries the client tool result').toBe(true);
    expect(turns[1].lastUser, 'tool result the runtime returned through the gateway').toMatch(/"success":true.*"status":"review"/);
  });

  scenario('3. mention of a second agent → that agent (not another) answers', async (w) => {
    const { engineer, qa } = agentIds(w);
    const taskId = createTask(w, 'Prepare the test plan', [engineer]);
    const assignment = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
    await deliveredNotification(w, assignment.id, 'the assignment');
    const before = w.backend.agentMessages(taskId).length;
    const reply = 'QA here: the plan covers upgrades and rollbacks.';
    const messageId = postAsUser(w, taskId, `@qa can you check the test plan? ${directive('qa', [`say ${reply}`], 'mention')}`);
    const mention = await notification(w, taskId, (x) => x.type === 'mention' && x.message_id === messageId, 'the mention notification');
    expect(mention.recipient_id, 'the mention is addressed to qa').toBe(qa);
    await deliveredNotification(w, mention.id, 'the mention');
    await sleep(2000);
    expect(w.backend.agentMessages(taskId).slice(before).map((m) => [m.author_id, m.content]), 'agent messages after the mention').toEqual([[qa, reply]]);
    const turns = w.model.forNotification(mention.id);
    expect(turns.map((t) => [t.agent, t.trigger]), 'model requests for the mention').toEqual([['qa', 'mention']]);
    expect(turns[0].session, 'gateway session key (routes to qa)').toMatch(new RegExp(`^agent:qa:task:${taskId}:`));
    const mentionTurnsOfOthers = w.model.requests().filter((r) => r.trigger === 'mention' && r.anchor.includes(messageId) && r.agent !== 'qa');
    expect(mentionTurnsOfOthers.map((r) => r.agent), 'other agents asked about the mention').toEqual([]);
  });

  scenario('4. passive thread update → the agent declines with the runtime’s token → nothing posted', async (w) => {
    const { engineer } = agentIds(w);
    const taskId = createTask(w, 'Keep the build green', [engineer]);
    const assignment = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
    await deliveredNotification(w, assignment.id, 'the assignment');
    const before = w.backend.agentMessages(taskId).length;
    const messageId = postAsUser(w, taskId, `FYI: the build is green again. ${directive('engineer', ['decline'], 'thread_update')}`);
    const update = await notification(w, taskId, (x) => x.type === 'thread_update' && x.message_id === messageId && x.recipient_id === engineer, 'the thread update to the engineer');
    await deliveredNotification(w, update.id, 'the thread update');
    await sleep(2000);
    expect(w.backend.agentMessages(taskId).slice(before).map((m) => m.content), 'agent messages after the passive update').toEqual([]);
    const turns = w.model.forNotification(update.id);
    expect(turns.map((t) => [t.agent, t.trigger, t.declineToken, t.answer.text]), 'model requests for the thread update').toEqual([
      ['engineer', 'thread_update', 'NOTHING_TO_ADD', 'NOTHING_TO_ADD'],
    ]);
  });

  scenario('5. the model answers NO_REPLY to an assignment (gateway 500) → bounded attempts, one notice, a dead letter', async (w) => {
    const { engineer } = agentIds(w);
    const maxAttempts = Number(RUNTIME_SETTINGS.DELIVERY_MAX_ATTEMPTS);
    const taskId = createTask(w, `Fix the flaky login test ${directive('engineer', ['no-reply'])}`, [engineer]);
    const n = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
    await eventually('the assignment to be dead-lettered (marked delivered)', () => isDelivered(w, n.id), TURN_TIMEOUT_MS * 2);
    await sleep(2000);
    const turns = w.model.forNotification(n.id);
    // Each attempt: one /v1/responses call → the model says NO_REPLY → the gateway retries once → NO_REPLY → HTTP 500.
    expect(turns.filter((t) => !t.retryNudge).length, 'delivery attempts that reached the model').toBe(maxAttempts);
    expect(turns.filter((t) => t.retryNudge).length, 'gateway-internal retries (one per attempt)').toBe(maxAttempts);
    const messages = w.backend.agentMessages(taskId);
    expect(messages.length, `agent messages on the task (the dead-letter notice only): ${JSON.stringify(messages.map((m) => m.content))}`).toBe(1);
    expect(messages[0].content, 'the notice never carries the silent token').not.toMatch(/NO_REPLY|NOTHING_TO_ADD/);
    const dead = await w.cli(['deliveries', 'dead', '--json']);
    expect(dead.code, `mc-runtime deliveries dead exit code: ${dead.stderr}`).toBe(0);
    const entry = (JSON.parse(dead.stdout) as Array<{ notificationId: string; attempts: number }>).find((d) => d.notificationId === n.id);
    expect(entry, 'the dead letter listed by mc-runtime deliveries dead').toMatchObject({ notificationId: n.id, attempts: maxAttempts });
    const failed = deliveryLog(w, n.id).filter((l) => l.msg === 'delivery failed');
    expect(failed.map((l) => l.failure), 'runtime log: each failed attempt is an answered failure').toEqual(Array(maxAttempts).fill('answered'));
  });

  scenario('7. heartbeat → the model answers HEARTBEAT_OK → nothing posted, the heartbeat recorded in the backend', async (w) => {
    const { qa } = agentIds(w);
    const taskId = createTask(w, `Regression sweep ${directive('qa', ['heartbeat-ok'], 'heartbeat')}`, [qa], 'in_progress');
    const assignment = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === qa, 'the assignment notification');
    await deliveredNotification(w, assignment.id, 'the assignment');
    const beforeHeartbeat = w.backend.agentMessages(taskId).length;
    const hb = await eventually(
      'a heartbeat turn of qa that lists the task (qa checks in every minute)',
      () => w.model.requests().find((r) => r.agent === 'qa' && r.trigger === 'heartbeat' && r.anchor.includes(taskId)),
      150_000,
      500,
    );
    expect(hb.answer, 'the model’s heartbeat answer').toEqual({ kind: 'text', text: 'HEARTBEAT_OK' });
    expect(hb.directive, 'the heartbeat directive in the task title was seen').not.toBeNull();
    await eventually('the backend to record the heartbeat (agents.last_heartbeat after the turn)', () => (w.backend.agent(qa).last_heartbeat ?? 0) >= hb.at, 30_000);
    expect(w.backend.agent(qa).status, 'qa status after the heartbeat').toBe('online');
    expect(w.backend.agentMessages(taskId).slice(beforeHeartbeat).map((m) => m.content), 'messages posted by the heartbeat').toEqual([]);
  });

  scenario('8. a new agent created while everything runs → the gateway serves it without a restart and it answers its mention', async (w) => {
    const { engineer } = agentIds(w);
    const gatewayPid = w.gateway.pid;
    const created = Date.now();
    const scribe = w.backend.write((ctx) =>
      createAgent(ctx, { name: 'Scribe', slug: 'scribe', role: 'Technical Writer', soulContent: 'SOUL-MARKER-SCRIBE: you write crisp documentation.' }),
    );
    await eventually(
      'the gateway to list openclaw/scribe on GET /v1/models (agent sync → profile sync → entrypoint merge → hot reload)',
      async () => {
        const res = await fetch(`${w.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${w.gatewayToken}` } }).catch(() => undefined);
        const body = res?.ok ? ((await res.json()) as { data: Array<{ id: string }> }) : { data: [] };
        return body.data.some((m) => m.id === 'openclaw/scribe');
      },
      120_000,
      500,
    );
    console.error(`scenario 8: the gateway served the new agent ${Math.round((Date.now() - created) / 100) / 10} s after it was created (AGENT_SYNC_INTERVAL=${RUNTIME_SETTINGS.AGENT_SYNC_INTERVAL} ms)`);
    expect(w.gateway.pid, 'gateway process (no restart)').toBe(gatewayPid);
    expect(w.gateway.running(), 'gateway process still running').toBe(true);
    const taskId = createTask(w, 'Document the upgrade path', [engineer]);
    const assignment = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
    await deliveredNotification(w, assignment.id, 'the assignment');
    const before = w.backend.agentMessages(taskId).length;
    const reply = 'Scribe here: the upgrade guide is drafted.';
    const messageId = postAsUser(w, taskId, `@scribe please write the upgrade guide. ${directive('scribe', [`say ${reply}`], 'mention')}`);
    const mention = await notification(w, taskId, (x) => x.type === 'mention' && x.message_id === messageId, 'the mention notification');
    expect(mention.recipient_id, 'the mention is addressed to the new agent').toBe(scribe);
    await deliveredNotification(w, mention.id, 'the mention');
    expect(w.backend.agentMessages(taskId).slice(before).map((m) => [m.author_id, m.content]), 'agent messages after the mention').toEqual([[scribe, reply]]);
    const turns = w.model.forNotification(mention.id);
    expect(turns.map((t) => [t.agent, t.trigger]), 'model requests for the mention').toEqual([['scribe', 'mention']]);
    expect(turns[0].systemPrompt, 'the new agent’s SOUL.md (written by profile sync) reaches its prompt').toContain('SOUL-MARKER-SCRIBE');
    expect(w.gateway.pid, 'gateway process after serving the new agent (no restart)').toBe(gatewayPid);
  });

  scenario('14a. the gateway retries a turn that gave no visible answer and the model repeats document_upsert → one document, one reply', async (w) => {
    const { engineer } = agentIds(w);
    const upsert = 'call document_upsert {"title":"Meeting notes","content":"Decision: ship on Friday.","type":"note"}';
    const reply = 'The meeting notes are in the task documents.';
    const taskId = createTask(w, `Write up the meeting ${directive('engineer', [upsert, 'no-reply', upsert, `say ${reply}`])}`, [engineer]);
    const n = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
    await deliveredNotification(w, n.id, 'the assignment');
    const turns = w.model.forNotification(n.id);
    // What the real gateway does: call → (tool result) NO_REPLY → its own retry → the same call again → (result) text.
    expect(turns.map((t) => [t.answer.kind, t.toolResult, t.retryNudge]), 'model requests for the assignment').toEqual([
      ['call', false, false],
      ['text', true, false],
      ['call', false, true],
      ['text', true, false],
    ]);
    expect(w.backend.agentMessages(taskId).map((m) => m.content), 'agent replies on the task').toEqual([reply]);
    expect(w.backend.documents(taskId).map((d) => d.title), 'documents on the task (one call effect, replayed once)').toEqual(['Meeting notes']);
  });

  scenario('6. gateway killed mid-turn, started again 10 s later → delivered exactly once, no attempt spent on the outage', async (w) => {
    for (let round = 1; ; round++) {
      const gatewayLogFrom = readFileSync(w.logs.gateway, 'utf8').length;
      try {
        await killedMidTurn(w, round);
        return;
      } catch (err) {
        // OpenClaw 2026.9.6, restarted after a SIGKILL, sometimes loses its own state lease to its
        // maintenance worker: one turn fails with "another OpenClaw process owns state-lifecycle",
        // then every turn with "Agent database execution admission is closed" (HTTP 500 with the same
        // body as a model's failure) until the gateway is restarted. That is the gateway's defect, not
        // the runtime's, and it is not what this scenario is about: the scenario is run once more on a
        // new task. Any other failure, or that one twice, fails it.
        const since = readFileSync(w.logs.gateway, 'utf8').slice(gatewayLogFrom);
        const broken = OPENCLAW_LOST_STATE_LEASE.find((marker) => since.includes(marker));
        if (round > 1 || !broken) throw err;
        console.error(`scenario 6: the restarted gateway broke itself ("${broken}" in its log); the scenario runs once more. First round: ${(err as Error).message}`);
        await w.gateway.stop();
        await w.startGateway();
      }
    }
  });
});

/** What the gateway logs when a restart loses its state lease (see scenario 6). */
const OPENCLAW_LOST_STATE_LEASE = ['another OpenClaw process owns state-lifecycle', 'Agent database execution admission is closed'];

async function killedMidTurn(w: World, round: number): Promise<void> {
  const { engineer } = agentIds(w);
  const reply = 'Incident summary: the gateway outage is over and nothing was lost.';
  const taskId = createTask(w, `Summarise the incident (round ${round}) ${directive('engineer', ['hang', `say ${reply}`])}`, [engineer]);
  const n = await notification(w, taskId, (x) => x.type === 'assignment' && x.recipient_id === engineer, 'the assignment notification');
  await eventually('the turn to reach the model (the model holds its answer)', () => w.model.forNotification(n.id).length > 0, TURN_TIMEOUT_MS);
  await w.gateway.kill();
  await sleep(10_000);
  expect(isDelivered(w, n.id), 'the notification is not delivered while the gateway is down').toBe(false);
  await w.startGateway();
  await deliveredNotification(w, n.id, 'the assignment after the restart');
  await sleep(2000);
  expect(w.backend.agentMessages(taskId).map((m) => [m.author_id, m.content]), 'agent messages on the task').toEqual([[engineer, reply]]);
  const failed = deliveryLog(w, n.id).filter((l) => l.msg === 'delivery failed');
  expect(failed.length, 'runtime log: the interrupted turn is reported').toBeGreaterThan(0);
  expect(failed.map((l) => l.failure), 'runtime log: failures of this notification (an outage spends no attempt)').toEqual(failed.map(() => 'outage'));
  expect(deliveryLog(w, n.id).filter((l) => l.msg === 'notification delivered').length, 'runtime log: delivered once').toBe(1);
  const turns = w.model.forNotification(n.id);
  expect(turns.map((t) => t.answer.kind), 'model requests: the held one, then the answer after the restart').toEqual(['hang', 'text']);
}
