/**
 * When the loop lists notifications (issue 12 poll policy; issue 17 items 7-9):
 * counted list calls on a fake clock, real kernel, embedded backend.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import Type from 'typebox';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { FakeClock } from './fake-clock.ts';
import { definePlugin } from '../../core/plugin.ts';
import { STAGE } from '../../core/hook-facade.ts';
import { BackendError, type BackendPort } from '../../core/ports/backend.ts';

// Stepping a fake clock through 20 minutes is many small turns of the event loop: slow on a loaded machine.
vi.setConfig({ testTimeout: 90_000 });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts list calls; `failContexts` makes every context fetch time out. */
function counting(state: { lists: number; failContexts?: boolean }) {
  return (port: BackendPort): BackendPort => ({
    ...port,
    async listUndeliveredNotifications(args) {
      state.lists++;
      return port.listUndeliveredNotifications(args);
    },
    async getNotificationForDelivery(args) {
      if (state.failContexts) throw new BackendError('timeout', 'getNotificationForDelivery', 'timed out');
      return port.getNotificationForDelivery(args);
    },
  });
}

/** Skips every notification before the real policy: polling without model turns. */
const skipAll = definePlugin({
  id: 'skip-all',
  version: '1',
  configSchema: Type.Object({}),
  register(api) {
    api.hooks.onNotification.tap(() => ({ action: 'skip', reason: 'test skips everything' }), { stage: STAGE.POLICY - 1 });
  },
});

async function countOver(clock: FakeClock, state: { lists: number }, ms: number, step = 1000): Promise<number> {
  const before = state.lists;
  for (let t = 0; t < ms; t += step) await clock.advance(step);
  return state.lists - before;
}

describe('adaptive poll interval (default config)', () => {
  it('polls about every second while active and every 30 s after 10 idle minutes', async () => {
    const clock = new FakeClock();
    const state = { lists: 0 };
    h = await startHarness({ clock, gateway: { probeIntervalMs: 60_000 }, wrapBackend: counting(state), delivery: { intervalMs: undefined }, extraPlugins: [{ plugin: skipAll }] });
    const firstMinute = await countOver(clock, state, MINUTE);
    expect(firstMinute).toBeGreaterThanOrEqual(50);
    expect(firstMinute).toBeLessThanOrEqual(62);
    await countOver(clock, state, 9 * MINUTE, 5000);
    const idle = await countOver(clock, state, 10 * MINUTE, 5000);
    // 0.033 list calls/s: the idle runtime's whole budget is 0.1 backend calls/s (docs/performance.md).
    expect(idle).toBeLessThanOrEqual(21);
    expect(idle).toBeGreaterThanOrEqual(19);
    // A notification makes the account active again (seen by the next idle poll): back to about one poll a second.
    h.createTask('Wake up', 'engineer');
    await countOver(clock, state, 30_000);
    await eventually(async () => (await h!.undelivered()) === 0, 5000, 'skipped');
    expect(await countOver(clock, state, MINUTE)).toBeGreaterThanOrEqual(50);
  });

  it('DELIVERY_INTERVAL (intervalMs) pins a fixed interval', async () => {
    const clock = new FakeClock();
    const state = { lists: 0 };
    h = await startHarness({ clock, gateway: { probeIntervalMs: 60_000 }, wrapBackend: counting(state), delivery: { intervalMs: 5000 }, extraPlugins: [{ plugin: skipAll }] });
    expect(await countOver(clock, state, MINUTE)).toBeLessThanOrEqual(13);
    await countOver(clock, state, 10 * MINUTE, 5000);
    const later = await countOver(clock, state, 10 * MINUTE, 5000);
    expect(later).toBeGreaterThanOrEqual(118);
    expect(later).toBeLessThanOrEqual(122);
  });
});

describe('polling at once only when there may be more work', () => {
  it('finished sessions do not each wake a list poll', async () => {
    const clock = new FakeClock();
    const state = { lists: 0 };
    h = await startHarness({ clock, gateway: { probeIntervalMs: 60_000 }, wrapBackend: counting(state) });
    h.gateway.setDefault({ text: 'ack' });
    await clock.advance(1000);
    const tasks = Array.from({ length: 12 }, (_, i) => h!.createTask(`Task ${i}`, (['engineer', 'qa'] as const)[i % 2]));
    const before = state.lists;
    await clock.advance(1000);
    await eventually(async () => (await Promise.all(tasks.map((t) => h!.thread(t)))).every((th) => agentMessages(th).length >= 1), 15_000, 'all delivered');
    // One list found them all (a page that was not full); the 12 finished runs woke no poll.
    expect(state.lists - before).toBeLessThanOrEqual(2);
  });

  it('a full page is followed by the next one at once, without waiting for the interval', async () => {
    const clock = new FakeClock();
    const state = { lists: 0 };
    h = await startHarness({ clock, gateway: { probeIntervalMs: 60_000 }, wrapBackend: counting(state), delivery: { listLimit: 3 } });
    h.gateway.setDefault({ text: 'ack' });
    await clock.advance(1000);
    const tasks = Array.from({ length: 8 }, (_, i) => h!.createTask(`Backlog ${i}`, (['engineer', 'qa'] as const)[i % 2]));
    await clock.advance(1000);
    // The clock stands still from here: only "there may be more" polls can drain the backlog.
    await eventually(async () => (await Promise.all(tasks.map((t) => h!.thread(t)))).every((th) => agentMessages(th).length >= 1), 15_000, 'backlog drained without the interval');
    expect(state.lists).toBeLessThan(20);
  });
});

describe('prefetching the next page', () => {
  it('lists the next full page while fewer than two rounds of turns wait, before the pool runs dry', async () => {
    const clock = new FakeClock();
    const state = { lists: 0 };
    h = await startHarness({
      clock,
      gateway: { probeIntervalMs: 60_000, requestTimeoutMs: 60_000 },
      wrapBackend: counting(state),
      delivery: { listLimit: 2, maxConcurrentSessions: 1, runTimeoutMs: 60_000 },
    });
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    // Every turn is held open: nothing finishes, so only the prefetch rule can list again.
    h.gateway.setDefault(async () => {
      await gate;
      return { text: 'ack' };
    });
    await clock.advance(1000);
    const tasks = Array.from({ length: 6 }, (_, i) => h!.createTask(`Queue ${i}`, (['engineer', 'qa'] as const)[i % 2]));
    const before = state.lists;
    await clock.advance(1000);
    // Page 1 (2 notifications): one turn runs, one waits — less than two rounds (2 x 1 session), so page 2 follows at
    // once; then three wait and the loop stops listing until the interval (the clock stands still).
    await eventually(() => state.lists - before === 2, 10_000, 'the second page listed at once');
    await new Promise((r) => setTimeout(r, 300));
    expect(state.lists - before).toBe(2);
    openGate();
    await clock.advance(1000);
    await eventually(async () => (await Promise.all(tasks.map((t) => h!.thread(t)))).every((th) => agentMessages(th).length >= 1), 15_000, 'all delivered');
  });
});

describe('never stuck, never spinning (issue 17 items 7-9)', () => {
  it('backs off when context fetches fail, like when the list fails', async () => {
    const clock = new FakeClock();
    const state = { lists: 0, failContexts: true };
    h = await startHarness({ clock, gateway: { probeIntervalMs: 60_000 }, wrapBackend: counting(state), delivery: { listLimit: 2 } });
    h.gateway.setDefault({ text: 'ack' });
    const tasks = Array.from({ length: 3 }, (_, i) => h!.createTask(`Unfetchable ${i}`, 'engineer'));
    await clock.advance(1000);
    const before = state.lists;
    await sleep(500);
    // A full page whose contexts cannot be fetched is not re-polled while the clock stands still.
    expect(state.lists - before).toBe(0);
    state.failContexts = false;
    await clock.advance(1000);
    for (let i = 0; i < 20; i++) await clock.advance(500);
    await eventually(async () => (await Promise.all(tasks.map((t) => h!.thread(t)))).every((th) => agentMessages(th).length >= 1), 15_000, 'delivered once the backend answers');
  });

  it('pages past notifications waiting for a retry (no head-of-line blocking)', async () => {
    h = await startHarness({ delivery: { listLimit: 3, backoffBaseMs: 60_000, backoffMaxMs: 120_000, maxAttempts: 5 } });
    h.gateway.script('engineer', Array.from({ length: 4 }, () => ({ status: 500 })));
    h.gateway.script('qa', [{ text: 'QA got through.' }]);
    for (let i = 0; i < 4; i++) h.createTask(`Broken ${i}`, 'engineer');
    await eventually(() => h!.gateway.responsesRequests().filter((r) => r.agentId === 'engineer').length === 4, 15_000, 'engineer failures');
    const good = h.createTask('Other agent', 'qa');
    await eventually(async () => agentMessages(await h!.thread(good)).length === 1, 10_000, 'qa delivered past the waiting ones');
  });

  it('resumes as soon as the gateway is up again, however long the pause', async () => {
    h = await startHarness({ delivery: { backoffBaseMs: 1000, backoffMaxMs: 120_000 } });
    h.gateway.script('engineer', [{ text: 'Back after the outage.' }]);
    // Idle polls before the outage must not stretch the paused probe's backoff.
    await sleep(5000);
    await h.gateway.stop();
    const taskId = h.createTask('During the outage', 'engineer');
    await eventually(() => h!.t.logs.lines().some((l) => l.msg === 'delivery paused until the gateway and backend answer again'), 10_000, 'paused');
    await sleep(2500);
    await h.gateway.start();
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 5000, 'delivered soon after the gateway came back');
  });
});
