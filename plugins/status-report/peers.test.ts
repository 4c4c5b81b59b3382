import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { PeerDetector } from './peers.ts';
import type { Notification } from '../../core/ports/domain.ts';

function setup(startedAt = 1_000_000) {
  const clock = { t: startedAt + 60_000, now: () => clock.t, sleep: async () => {} };
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  let counted = 0;
  const d = new PeerDetector({ startedAt, skewMs: 30_000, holdMs: 600_000 }, clock, logger, () => counted++);
  return { d, clock, lines, counted: () => counted };
}
const note = (id: string, over: Partial<Notification> = {}): Notification =>
  ({ _id: id, accountId: 'a', type: 'assignment', recipientType: 'agent', recipientId: 'ag', title: 't', body: 'b', createdAt: 0, ...over }) as Notification;

describe('PeerDetector', () => {
  it('a notification another process marked read after this runtime started is evidence: logged loudly, check fails', () => {
    const s = setup();
    s.d.admitted(note('n1', { readAt: 1_000_000 + 45_000 }));
    expect(s.d.suspected).toBe(true);
    expect(s.counted()).toBe(1);
    expect(s.lines).toEqual([expect.objectContaining({ level: 50, msg: expect.stringMatching(/another runtime appears to serve this account/) })]);
    expect(s.d.detail()).toMatch(/notification n1 had readAt/);
  });

  it('work of an earlier life of this runtime (read before it started, or within the skew) is not evidence', () => {
    const s = setup();
    s.d.admitted(note('old', { readAt: 999_000 }));
    s.d.admitted(note('skew', { readAt: 1_000_000 + 29_000 }));
    expect(s.d.suspected).toBe(false);
    expect(s.lines).toEqual([]);
  });

  it('its own notifications seen again (a retry after it marked them read) are not evidence', () => {
    const s = setup();
    s.d.admitted(note('n1'));
    s.d.admitted(note('n1', { readAt: 1_000_000 + 50_000 }));
    s.d.admitted(note('n1', { readAt: 1_000_000 + 50_000, deliveredAt: 1_000_000 + 51_000 }));
    expect(s.counted()).toBe(0);
  });

  it('logs at most once per hold window, and clears after the hold', () => {
    const s = setup();
    s.d.admitted(note('a', { readAt: 1_100_000 }));
    s.d.admitted(note('b', { deliveredAt: 1_100_000 }));
    expect(s.counted()).toBe(2);
    expect(s.lines).toHaveLength(1);
    s.clock.t += 600_001;
    expect(s.d.suspected).toBe(false);
    s.d.admitted(note('c', { readAt: 1_100_000 }));
    expect(s.lines).toHaveLength(2);
    expect(s.d.snapshot()).toMatchObject({ suspected: true, evidence: 3 });
  });
});
