/**
 * Issue 17 "lost or run twice": the loop's state against the backend's and the
 * store's. Real kernel, embedded backend, scripted gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { BackendError } from '../../core/ports/backend.ts';
import { runDeliveriesCommand } from '../../plugins/delivery/cli.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const qaRequests = (h: Harness) => h.gateway.responsesRequests().filter((r) => r.agentId === 'qa');
const engineerRequests = (h: Harness) => h.gateway.responsesRequests().filter((r) => r.agentId === 'engineer');

async function cli(h: Harness, ...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runDeliveriesCommand(argv, { storeFile: path.join(h.dir, 'delivery.sqlite'), out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, out: out.join('\n') };
}

describe('delivery state against the backend', () => {
  it('delivers the newest message of a thread update that waited behind a run', async () => {
    const fetched = new Map<string, number>();
    // A generous run deadline: the first run is slow on purpose and must not time out on a busy machine.
    h = await startHarness({
      delivery: { runTimeoutMs: 30_000 },
      wrapBackend: (port) => ({
        ...port,
        async getNotificationForDelivery(args) {
          fetched.set(args.notificationId, (fetched.get(args.notificationId) ?? 0) + 1);
          return port.getNotificationForDelivery(args);
        },
      }),
    });
    h.gateway.script('engineer', [{ text: 'Working on it.', delayMs: 2500 }, { text: 'Seen the update.' }]);
    const taskId = h.createTask('Thread task', 'engineer');
    await eventually(() => h!.gateway.pending('engineer') === 1, 10_000, 'assignment run in flight');
    h.postMessage(taskId, 'first follow-up');
    const update = await eventually(async () => {
      const list = await h!.backend.listUndeliveredNotifications({});
      return list.find((n) => n.type === 'thread_update' && n.recipientId === h!.seed.agents.engineer);
    });
    // The update is admitted (its context fetched) while the assignment still runs …
    await eventually(() => fetched.has(update._id), 10_000, 'thread update admitted');
    // … and the backend then points it at a newer message.
    h.postMessage(taskId, 'second follow-up, the one that matters');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 2, 15_000, 'both replies');
    const runs = engineerRequests(h).map((r) => JSON.stringify(r.body.input));
    expect(runs).toHaveLength(2);
    expect(runs[1]).toContain('second follow-up, the one that matters');
  });

  it('never runs a notification again because a list requested before it finished answered after', async () => {
    h = await startHarness({
      wrapBackend: (port) => ({
        ...port,
        async listUndeliveredNotifications(args) {
          const snapshot = await port.listUndeliveredNotifications(args);
          await sleep(300);
          return snapshot;
        },
      }),
    });
    h.gateway.script('engineer', [{ text: 'Engineer ack.' }]);
    h.gateway.script('qa', [{ text: 'QA ack.', delayMs: 150 }, { text: 'QA ran twice!' }]);
    const a = h.createTask('Fast one', 'engineer');
    const b = h.createTask('Slower one', 'qa');
    await eventually(async () => agentMessages(await h!.thread(b)).length === 1, 15_000, 'qa reply');
    await eventually(async () => agentMessages(await h!.thread(a)).length === 1, 15_000, 'engineer reply');
    await sleep(1500);
    expect(qaRequests(h)).toHaveLength(1);
    expect(engineerRequests(h)).toHaveLength(1);
  });

  it('keeps a dead letter until its replay succeeds, through a failing context fetch and a failed attempt', async () => {
    let failFetches = 0;
    h = await startHarness({
      delivery: { maxAttempts: 2 },
      wrapBackend: (port) => ({
        ...port,
        async getNotificationForDelivery(args) {
          if (failFetches > 0) {
            failFetches--;
            throw new BackendError('timeout', 'getNotificationForDelivery', 'timed out');
          }
          return port.getNotificationForDelivery(args);
        },
      }),
    });
    // Two failures dead-letter it; the replay fails once more (a retry, not dead again), then answers.
    h.gateway.script('engineer', [{ status: 500 }, { status: 500 }, { status: 500 }, { text: 'Done at last.' }]);
    const taskId = h.createTask('Replay me', 'engineer');
    const dead = await eventually(() => {
      const s = h!.store();
      try {
        return s.deadLetters()[0];
      } finally {
        s.close();
      }
    }, 15_000, 'dead letter');
    failFetches = 1;
    expect((await cli(h, 'retry', dead.notificationId)).code).toBe(0);
    await eventually(async () => agentMessages(await h!.thread(taskId)).some((m) => m.content === 'Done at last.'), 20_000, 'replayed reply');
    await eventually(async () => (await cli(h!, 'stats')).out === 'retrying: 0\ndead-lettered: 0', 10_000, 'store settled');
  });

  it('a store error during a run neither escapes the runner nor leaves the notification stuck', async () => {
    h = await startHarness();
    h.gateway.script('engineer', [{ status: 500 }, { text: 'Second try worked.' }]);
    // Another process (the CLI, say) holds the store's write lock while the first attempt fails.
    const other = new DatabaseSync(path.join(h.dir, 'delivery.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    const taskId = h.createTask('Locked store', 'engineer');
    await eventually(() => engineerRequests(h!).length >= 1, 10_000, 'first attempt');
    await sleep(300);
    other.exec('COMMIT');
    other.close();
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 15_000, 'delivered after the lock');
  });

  it('a failure the store cannot record pauses delivery (nothing runs again uncounted) until the store takes writes', async () => {
    h = await startHarness();
    h.gateway.script('engineer', [{ status: 500 }, { text: 'Counted, then delivered.' }]);
    h.gateway.script('qa', [{ text: 'QA waited for the store.' }]);
    const other = new DatabaseSync(path.join(h.dir, 'delivery.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    const taskId = h.createTask('Unrecordable failure', 'engineer');
    await eventually(() => h!.t.logs.find((l) => l.msg === 'delivery paused until the delivery store takes writes again'), 10_000, 'store pause');
    const qaTask = h.createTask('Arrives while paused', 'qa');
    await sleep(1500);
    // While the failure could not be counted, neither it nor anything else ran again.
    expect(engineerRequests(h).length).toBe(1);
    expect(h.gateway.responsesRequests().filter((r) => r.agentId === 'qa')).toHaveLength(0);
    other.exec('COMMIT');
    other.close();
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1 && agentMessages(await h!.thread(qaTask)).length === 1, 20_000, 'both delivered once the store took writes');
    expect(h.t.logs.find((l) => l.msg === 'delivery resumed')).toBeDefined();
  });

  it('polls and delivers without a write lock on the store when there is nothing to replay', async () => {
    h = await startHarness();
    h.gateway.script('engineer', [{ text: 'Delivered while the store was locked.' }]);
    const other = new DatabaseSync(path.join(h.dir, 'delivery.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const taskId = h.createTask('Lock held', 'engineer');
      await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 10_000, 'delivered');
    } finally {
      other.exec('COMMIT');
      other.close();
    }
  });
});

