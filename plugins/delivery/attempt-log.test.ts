import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from './attempt-log.ts';
import { DeliveryStore } from './store.ts';

const DAY = 86_400_000;

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
    new DeliveryStore(file, { scope: 'local:b' }).attempts.record(attempt({ startedAt: 1500 }));
    expect(new DeliveryStore(file).attempts.of('n1')).toHaveLength(3);
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
});
