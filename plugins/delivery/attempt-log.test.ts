import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { FLUSH_AFTER_MS, RETRY_AFTER_MS, type AttemptRecord } from './attempt-log.ts';
import { DeliveryStore } from './store.ts';

const DAY = 86_400_000;

afterEach(() => vi.useRealTimers());

function attempt(over: Partial<AttemptRecord>): AttemptRecord {
  return { notificationId: 'n1', notificationType: 'assignment', agent: 'engineer', attempt: 1, startedAt: 1000, durationMs: 12.4, outcome: 'retry', detail: 'gateway 500', toolCalls: [], ...over };
}

describe('attempt history', () => {
  it('keeps every attempt of a notification in order, per scope, with its tool calls', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mc-attempts-')), 'delivery.sqlite');
    const log = new DeliveryStore(file, { scope: 'local:a' }).attempts;
    log.record(attempt({ startedAt: 2000, attempt: 2, outcome: 'delivered', detail: 'reply posted', toolCalls: [{ tool: 'task_status', outcome: 'ok', ms: 3 }] }));
    log.record(attempt({}));
    log.record(attempt({ notificationId: 'n2' }));
    const other = new DeliveryStore(file, { scope: 'local:b' });
    other.attempts.record(attempt({ startedAt: 1500 }));
    other.close();
    const operatorView = new DeliveryStore(file).attempts;
    // Queued rows of the first store are not written yet (FLUSH_AFTER_MS); the closed one's are.
    expect(operatorView.of('n1')).toHaveLength(1);
    log.flush();
    expect(operatorView.of('n1')).toHaveLength(3);
    const rows = log.of('n1');
    expect(rows.map((r) => [r.attempt, r.outcome, r.detail])).toEqual([
      [1, 'retry', 'gateway 500'],
      [2, 'delivered', 'reply posted'],
    ]);
    expect(rows[0].durationMs).toBe(12);
    expect(rows[1].toolCalls).toEqual([{ tool: 'task_status', outcome: 'ok', ms: 3 }]);
  });

  it('truncates long errors and prunes rows past the retention window', () => {
    const log = new DeliveryStore(path.join(mkdtempSync(path.join(tmpdir(), 'mc-attempts-')), 'delivery.sqlite'), { scope: 's', historyRetentionMs: 7 * DAY }).attempts;
    log.record(attempt({ detail: 'x'.repeat(5000) }));
    log.record(attempt({ startedAt: 8 * DAY }));
    expect(log.of('n1')[0].detail).toHaveLength(2000);
    expect(log.prune(8 * DAY + 1)).toBe(1);
    expect(log.of('n1')).toHaveLength(1);
  });

  it('writes queued rows within FLUSH_AFTER_MS, as one batch, and at close', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mc-attempts-')), 'delivery.sqlite');
    const store = new DeliveryStore(file, { scope: 's' });
    const view = new DeliveryStore(file).attempts;
    for (let i = 1; i <= 3; i++) store.attempts.record(attempt({ attempt: i, startedAt: i }));
    expect(view.of('n1')).toHaveLength(0);
    vi.advanceTimersByTime(FLUSH_AFTER_MS - 1);
    expect(view.of('n1')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(view.of('n1').map((r) => r.attempt)).toEqual([1, 2, 3]);
    store.attempts.record(attempt({ attempt: 4, startedAt: 4 }));
    store.close();
    expect(view.of('n1').map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('keeps the rows of a flush that failed (the file locked by another writer) and reports it; the next flush writes them', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mc-attempts-')), 'delivery.sqlite');
    const errors: Array<[string, number, number]> = [];
    const store = new DeliveryStore(file, { scope: 's', busyTimeoutMs: 0, onHistoryError: (err, pending, dropped) => errors.push([(err as Error).message, pending, dropped]) });
    const writer = new DatabaseSync(file);
    writer.exec('BEGIN IMMEDIATE');
    store.attempts.record(attempt({}));
    expect(() => store.attempts.flush()).toThrow(/locked/);
    expect(store.attempts.of('n1')).toHaveLength(0);
    expect(errors).toEqual([[expect.stringMatching(/locked/), 1, 0]]);
    writer.exec('ROLLBACK');
    writer.close();
    expect(store.attempts.of('n1')).toHaveLength(1);
    store.close();
  });

  it('reports the rows it could not write at close as dropped', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mc-attempts-')), 'delivery.sqlite');
    const errors: Array<[number, number]> = [];
    const store = new DeliveryStore(file, { scope: 's', busyTimeoutMs: 0, onHistoryError: (_err, pending, dropped) => errors.push([pending, dropped]) });
    const writer = new DatabaseSync(file);
    writer.exec('BEGIN IMMEDIATE');
    store.attempts.record(attempt({}));
    store.attempts.record(attempt({ attempt: 2 }));
    store.close();
    writer.exec('ROLLBACK');
    writer.close();
    expect(errors).toEqual([[0, 2]]);
  });

  it('after a failed flush, tries again on its own every RETRY_AFTER_MS (no read, no new row needed), warning once per try', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mc-attempts-')), 'delivery.sqlite');
    const errors: number[] = [];
    const store = new DeliveryStore(file, { scope: 's', busyTimeoutMs: 0, onHistoryError: (_err, pending) => errors.push(pending) });
    const writer = new DatabaseSync(file);
    writer.exec('BEGIN IMMEDIATE');
    for (let i = 1; i <= 70; i++) store.attempts.record(attempt({ attempt: i, startedAt: i }));
    // The 64th row tried at once and failed; the six after it waited for the retry instead of warning each.
    expect(errors).toEqual([64]);
    vi.advanceTimersByTime(RETRY_AFTER_MS);
    expect(errors).toEqual([64, 70]);
    writer.exec('ROLLBACK');
    vi.advanceTimersByTime(RETRY_AFTER_MS);
    expect(errors).toEqual([64, 70]);
    expect(writer.prepare('SELECT COUNT(*) AS n FROM attempts').get()).toEqual({ n: 70 });
    writer.close();
    store.close();
  });

  it('refuses a row after the store closed (nothing would write it)', () => {
    const store = new DeliveryStore(path.join(mkdtempSync(path.join(tmpdir(), 'mc-attempts-')), 'delivery.sqlite'), { scope: 's' });
    store.close();
    expect(() => store.attempts.record(attempt({}))).toThrow(/closed/);
  });
});
