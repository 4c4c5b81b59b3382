/**
 * The data dir's disk becomes full, or read-only, under a running runtime (a
 * tmpfs of its own in a user + mount namespace, see ns-wrapper.ts). The runtime
 * must stay up, report `degraded`, and deliver nothing it could not record: a
 * notification whose failed attempt cannot be written to the delivery store is
 * not run again and again while the disk is unusable. Once the disk is usable
 * again every notification is delivered exactly once.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE } from '../support/cli.ts';
import { Rig, notificationOf, replyFor, sleep, until, type BackendKind } from './harness.ts';

const WINDOW_MS = 20_000;
const WRAPPER = path.join(import.meta.dirname, 'ns-wrapper.ts');

function namespacesWork(): boolean {
  try {
    execFileSync('unshare', ['-rm', '--pid', '--fork', '--kill-child', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=64k tmpfs "$TMPDIR"'], {
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: process.env.TMPDIR ?? '/tmp' },
    });
    return true;
  } catch {
    return false;
  }
}
const supported = namespacesWork();

const cases: Array<[BackendKind, 'fill' | 'ro']> = [
  ['local', 'fill'],
  ['local', 'ro'],
  ['convex', 'fill'],
  ['convex', 'ro'],
];

// One at a time: four namespaced runtimes at once starve a 2-core machine.
describe.skipIf(!supported).each(cases)('data dir unusable (%s backend, %s)', (backend, mode) => {
  it('stays up, reports degraded, runs nothing it cannot record; delivers everything once after', async ({ onTestFinished }) => {
    const holder: { rig?: Rig } = {};
    const rig = await Rig.create({
      backend,
      wrap: (cmd) => ['unshare', ['-rm', '--pid', '--fork', '--kill-child', NODE, WRAPPER, holder.rig!.dataDir, '4096', '--', ...cmd]],
    });
    holder.rig = rig;
    onTestFinished(() => rig.close());
    const proc = await rig.start();
    rig.createWork(2, 'before');
    await until(() => rig.audit().undelivered.length === 0 && rig.audit().notifications >= 2, 60_000, () => rig.explain());

    // From now on a new notification's first turn fails (an answered failure the store must record).
    const seen = new Map<string, number>();
    let broken = true;
    rig.gateway.setDefault((req) => {
      const id = notificationOf(req);
      if (!id) return replyFor(req);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      return broken && seen.get(id) === 1 ? { status: 500 } : replyFor(req);
    });
    proc.send(mode);
    await proc.waitFor(mode === 'fill' ? /ns-wrapper: full/ : /ns-wrapper: read-only/);
    const before = new Set(rig.audit().undelivered);
    rig.createWork(2, 'during');
    const windowEnd = Date.now() + WINDOW_MS;
    let degradedSeen = false;
    while (Date.now() < windowEnd) {
      const h = await rig.health().catch(() => undefined);
      if (h?.body.status === 'degraded') degradedSeen = true;
      await sleep(500);
    }
    const alive = proc.child.exitCode === null && proc.child.signalCode === null;
    const during = rig.audit();
    const runsWhileBroken = new Map(seen);

    proc.send(mode === 'fill' ? 'free' : 'rw');
    broken = false;
    if (alive) await until(() => rig.audit().undelivered.length === 0, 90_000, () => rig.explain());

    expect({ alive, exit: proc.child.exitCode, log: alive ? '' : proc.output().split('\n').slice(-15) }).toEqual({ alive: true, exit: null, log: '' });
    expect(degradedSeen).toBe(true);
    // Nothing unrecordable was delivered, and no notification was run again and again.
    expect(during.undelivered.filter((id) => !before.has(id)).length).toBeGreaterThan(0);
    for (const [id, runs] of runsWhileBroken) expect({ id, runs }).toEqual({ id, runs: 1 });
    const audit = rig.audit();
    expect(audit.undelivered).toEqual([]);
    expect(audit.duplicateReplies).toEqual([]);
    expect(audit.duplicateContent).toEqual([]);
    expect(audit.missingReplies).toEqual([]);
  });
});
