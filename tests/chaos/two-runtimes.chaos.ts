/**
 * Two runtimes on one account (separate data dirs, so the data dir lock cannot
 * stop them): the backend contract has no lease, so they race for the same
 * notifications. At least one of them must notice — a notification it never ran
 * was marked read by another process after it started — and say so loudly: an
 * error line in the log and `degraded` on /health with the failing
 * `status-report.single-runtime` check.
 */
import { describe, expect, it } from 'vitest';
import { Rig, parseLog, sleep, until, type BackendKind } from './harness.ts';

describe.concurrent.each<BackendKind>(['local', 'convex'])('two runtimes on one account (%s backend)', (backend) => {
  it('is detected and reported on /health and in the log', async ({ onTestFinished }) => {
    // Slow answers keep notifications "being read" long enough for the other runtime to see them.
    const rig = await Rig.create({ backend, statusReport: { peerSkewMs: 0 } });
    onTestFinished(() => rig.close());
    const base = rig.gateway;
    base.setDefault(() => ({ text: 'NOTHING_TO_ADD', delayMs: 3_000 }));
    const a = await rig.start();
    const b = await rig.startPeer();
    const ports = [rig.healthPort, b.healthPort];
    const suspected = async () => {
      for (const port of ports) {
        const h = await rig.health(port).catch(() => undefined);
        const checks = (h?.body.checks as { name: string; ok: boolean; detail?: string }[] | undefined) ?? [];
        const check = checks.find((c) => c.name === 'status-report.single-runtime');
        if (check && !check.ok && h?.body.status === 'degraded') return { port, detail: check.detail };
      }
      return undefined;
    };
    for (let i = 0; i < 6 && !(await suspected()); i++) {
      rig.createWork(2, `race-${i}`);
      await sleep(2_500);
    }
    let found: Awaited<ReturnType<typeof suspected>>;
    await until(async () => (found = await suspected()) !== undefined, 30_000, () => rig.explain());
    expect(found!.detail).toMatch(/another runtime appears to serve this account/);
    const errors = [a.output(), b.proc.output()].flatMap(parseLog).filter((l) => l.level === 50 && /another runtime appears to serve this account/.test(l.msg ?? ''));
    expect(errors.length).toBeGreaterThan(0);
  });
});
