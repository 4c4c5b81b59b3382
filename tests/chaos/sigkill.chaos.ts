/**
 * SIGKILL in the middle of an agent turn, then a restart: the notification the
 * dead process was running is delivered exactly once by the next one (no
 * reply lost, none posted twice), and no attempt was spent on the kill.
 */
import { describe, expect, it } from 'vitest';
import { Rig, notificationOf, replyFor, until, type BackendKind } from './harness.ts';

describe.concurrent.each<BackendKind>(['local', 'convex'])('SIGKILL mid-turn (%s backend)', (backend) => {
  it('restart delivers every notification once', async ({ onTestFinished }) => {
    const rig = await Rig.create({ backend });
    onTestFinished(() => rig.close());
    // Every first turn hangs (the model "thinks"); turns after the restart answer.
    const held = new Set<string>();
    let restarted = false;
    rig.gateway.setDefault((req) => {
      const id = notificationOf(req);
      if (!restarted && id) {
        held.add(id);
        return { text: 'never sent', delayMs: 120_000 };
      }
      return replyFor(req);
    });
    const first = await rig.start();
    rig.createWork(3, 'sigkill');
    await until(() => held.size === 3, 60_000, () => [...held]);
    first.child.kill('SIGKILL');
    await first.exited;
    restarted = true;

    await rig.start();
    await until(() => rig.audit().undelivered.length === 0, 90_000, () => rig.explain());
    const audit = rig.audit();
    expect(audit.notifications).toBeGreaterThanOrEqual(3);
    expect(audit.undelivered).toEqual([]);
    expect(audit.duplicateReplies).toEqual([]);
    expect(audit.duplicateContent).toEqual([]);
    expect(audit.missingReplies).toEqual([]);
    // The kill is not an answered failure: no attempt spent.
    expect([...rig.failures().values()].flat().filter((l) => l.failure !== 'outage')).toEqual([]);
  });
});
