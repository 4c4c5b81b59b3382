import { describe, expect, it } from 'vitest';
import { ADAPTIVE_DEFAULTS, PollPolicy } from './poll-policy.ts';

const MIN = 60_000;

describe('PollPolicy', () => {
  it('adapts: active interval, a geometric stretch, the idle interval after idleAfterMs', () => {
    const p = new PollPolicy({ ...ADAPTIVE_DEFAULTS }, 0);
    expect(p.interval(MIN)).toBe(1000);
    const mid = p.interval(6.5 * MIN);
    expect(mid).toBeGreaterThan(1000);
    expect(mid).toBeLessThan(30_000);
    expect(p.interval(10 * MIN)).toBe(30_000);
    expect(p.interval(60 * MIN)).toBe(30_000);
    p.sawWork(60 * MIN);
    expect(p.interval(61 * MIN)).toBe(1000);
  });

  it('a pinned interval never changes', () => {
    const p = new PollPolicy({ ...ADAPTIVE_DEFAULTS, intervalMs: 7000 }, 0);
    expect([p.interval(0), p.interval(20 * MIN)]).toEqual([7000, 7000]);
  });
});
