import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { linkAbort } from './abort.ts';

afterEach(() => vi.useRealTimers());

describe('linkAbort', () => {
  it('aborts with the reason of the first source that aborts, and only once', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkAbort([a.signal, undefined, b.signal]);
    expect(linked.signal.aborted).toBe(false);
    b.abort(new Error('b first'));
    a.abort(new Error('a later'));
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe('b first');
  });

  it('is aborted at once when a source already is', () => {
    const a = AbortSignal.abort(new Error('gone'));
    const linked = linkAbort([new AbortController().signal, a]);
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe('gone');
  });

  it('times out with the TimeoutError that AbortSignal.timeout gives', () => {
    vi.useFakeTimers();
    const linked = linkAbort([], 1000);
    vi.advanceTimersByTime(999);
    expect(linked.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('release() takes its listener off every source and clears its timer: a long-lived source collects nothing', () => {
    vi.useFakeTimers();
    const shutdown = new AbortController();
    for (let i = 0; i < 100; i++) linkAbort([shutdown.signal], 5000).release();
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    const linked = linkAbort([shutdown.signal], 5000);
    linked.release();
    shutdown.abort(new Error('late'));
    vi.advanceTimersByTime(10_000);
    expect(linked.signal.aborted).toBe(false);
  });

  it('abort() aborts it and detaches it from its sources', () => {
    const source = new AbortController();
    const linked = linkAbort([source.signal], 60_000);
    linked.abort(new Error('stopping'));
    expect((linked.signal.reason as Error).message).toBe('stopping');
    expect(getEventListeners(source.signal, 'abort')).toHaveLength(0);
  });
});
