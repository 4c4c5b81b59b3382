/**
 * Backend failures on the real process through the Convex adapter and the Convex
 * wire server (the embedded backend has no network to fail):
 * - every call answered 503 for 30 s;
 * - every call timing out for 30 s (the wire answers after the client's deadline,
 *   so writes may land although the runtime never heard back — lost responses);
 * - every call taking 2 s for 30 s.
 * No notification is lost or answered twice in the thread, and no attempt is spent:
 * a backend that does not answer is an outage, never the notification's fault.
 */
import { describe, expect, it } from 'vitest';
import { Rig, until } from './harness.ts';
import type { WireFault } from '../support/convex-wire-server.ts';

const WINDOW_MS = 30_000;

async function outageCase(rig: Rig, fault: WireFault, workDuringWindow: boolean): Promise<void> {
  await rig.start();
  rig.createWork(2, 'before');
  // Let the first work be picked up, then break the backend mid-flight.
  await until(() => rig.gateway.responsesRequests().length > 0, 60_000, () => rig.explain());
  const end = Date.now() + WINDOW_MS;
  rig.fault = () => (Date.now() < end ? fault : undefined);
  if (workDuringWindow) rig.createWork(2, 'during');
  await until(() => Date.now() > end, WINDOW_MS + 5_000);
  await until(() => rig.audit().undelivered.length === 0, 120_000, () => rig.explain());
  const audit = rig.audit();
  expect(audit.undelivered).toEqual([]);
  expect(audit.duplicateReplies).toEqual([]);
  expect(audit.duplicateContent).toEqual([]);
  expect(audit.missingReplies).toEqual([]);
  const spent = [...rig.failures().values()].flat().filter((l) => l.failure !== 'outage');
  expect(spent.map((l) => ({ id: l.notificationId, failure: l.failure, error: l.error }))).toEqual([]);
}

describe.concurrent('backend chaos (Convex wire server)', () => {
  it('5xx for 30 s: no attempt spent, all delivered once after recovery', async ({ onTestFinished }) => {
    const rig = await Rig.create({ backend: 'convex' });
    onTestFinished(() => rig.close());
    await outageCase(rig, { kind: 'status', status: 503 }, true);
    expect(rig.logs.join('')).toMatch(/listing undelivered notifications failed|"failure":"outage"/);
  });

  it('timeouts for 30 s: no attempt spent, all delivered once after recovery', async ({ onTestFinished }) => {
    const rig = await Rig.create({ backend: 'convex', convex: { requestTimeoutMs: 1_000 } });
    onTestFinished(() => rig.close());
    await outageCase(rig, { kind: 'delay', ms: 2_500 }, true);
    expect(rig.logs.join('')).toMatch(/listing undelivered notifications failed|"failure":"outage"/);
  });

  it('2 s per call for 30 s: slow but no failure at all, all delivered once', async ({ onTestFinished }) => {
    const rig = await Rig.create({ backend: 'convex', convex: { requestTimeoutMs: 10_000 } });
    onTestFinished(() => rig.close());
    await outageCase(rig, { kind: 'delay', ms: 2_000 }, true);
    expect([...rig.failures().values()].flat()).toEqual([]);
  });
});
