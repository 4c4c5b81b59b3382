/**
 * Gateway failures, on the real process, embedded backend and Convex wire server:
 * - the gateway answers HTTP 500 for 30 s, then recovers: every failed answer costs
 *   one attempt (an answered failure), nothing is dead-lettered, and once the
 *   gateway recovers every notification is delivered exactly once;
 * - the gateway accepts a turn and never answers: the run deadline cancels it (an
 *   answered failure: one attempt), the retry is answered and delivered once.
 */
import { describe, expect, it } from 'vitest';
import { Rig, notificationOf, replyFor, until, type BackendKind } from './harness.ts';

const WINDOW_MS = 30_000;

function expectClean(rig: Rig): void {
  const audit = rig.audit();
  expect(audit.undelivered).toEqual([]);
  expect(audit.duplicateReplies).toEqual([]);
  expect(audit.duplicateContent).toEqual([]);
  expect(audit.missingReplies).toEqual([]);
}

describe.concurrent.each<BackendKind>(['local', 'convex'])('gateway chaos (%s backend)', (backend) => {
  it('HTTP 500 for 30 s, then recovery: attempts only for the 500s, all delivered once', async ({ onTestFinished }) => {
    const rig = await Rig.create({ backend });
    onTestFinished(() => rig.close());
    await rig.start();
    let failUntil = 0;
    rig.gateway.setDefault((req) => (Date.now() < failUntil ? { status: 500 } : replyFor(req)));
    failUntil = Date.now() + WINDOW_MS;
    rig.createWork(4, 'gw500');
    await until(() => Date.now() > failUntil && rig.audit().undelivered.length === 0, WINDOW_MS + 90_000, () => rig.explain());
    expectClean(rig);

    const answers = rig.gatewayAnswers();
    const failures = rig.failures();
    expect([...answers.values()].flat().filter((s) => s === 500).length).toBeGreaterThan(0);
    for (const [id, statuses] of answers) {
      const spent = (failures.get(id) ?? []).filter((l) => l.failure === 'answered' || l.failure === 'permanent');
      // One attempt per 500 answered for this notification, none for anything else.
      expect({ id, spent: spent.length }).toEqual({ id, spent: statuses.filter((s) => s === 500).length });
      expect(spent.every((l) => l.failure === 'answered')).toBe(true);
    }
    expect(rig.logs.join('').match(/"msg":"notification dead-lettered"|dead_lettered/g) ?? []).toEqual([]);
  });

  it('accepted and never answered: the run deadline spends one attempt, the retry delivers once', async ({ onTestFinished }) => {
    const rig = await Rig.create({ backend, delivery: { runTimeoutMs: 3_000 } });
    onTestFinished(() => rig.close());
    await rig.start();
    const hung = new Set<string>();
    rig.gateway.setDefault((req) => {
      const id = notificationOf(req);
      if (id && !hung.has(id)) {
        hung.add(id);
        return { hang: true };
      }
      return replyFor(req);
    });
    rig.createWork(3, 'hang');
    await until(() => hung.size >= 3 && rig.audit().undelivered.length === 0, 90_000, () => rig.explain());
    expectClean(rig);
    const failures = rig.failures();
    for (const id of hung) {
      const lines = failures.get(id) ?? [];
      expect({ id, failures: lines.map((l) => l.failure) }).toEqual({ id, failures: ['answered'] });
    }
  });
});
