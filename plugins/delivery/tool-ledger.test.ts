import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryStore } from './store.ts';

const HOUR = 3_600_000;

function open() {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mc-ledger-')), 'delivery.sqlite');
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const make = (scope = 'local:acct1') => new DeliveryStore(file, { scope, now: clock.now, ledgerRetentionMs: 24 * HOUR, historyRetentionMs: 7 * 24 * HOUR }).toolCalls;
  return { file, clock, make };
}

describe('durable tool-call ledger', () => {
  it('returns the recorded result for the same notification, tool and arguments — also after reopening the file', () => {
    const { make, file } = open();
    const ledger = make();
    const key = { tool: 'task_create', args: '{"title":"x"}' };
    expect(ledger.forNotification('n1').lookup(key)).toBeUndefined();
    ledger.forNotification('n1').record(key, { success: true, taskId: 't1' });
    const reopened = make();
    expect(reopened.forNotification('n1').lookup(key)).toEqual({ success: true, taskId: 't1' });
    expect(reopened.forNotification('n2').lookup(key)).toBeUndefined();
    expect(reopened.forNotification('n1').lookup({ tool: 'task_create', args: '{"title":"y"}' })).toBeUndefined();
    expect(new DeliveryStore(file).toolCalls.callsOf('n1')).toHaveLength(1);
    expect(reopened.callsOf('n1')).toEqual([{ tool: 'task_create', args: '{"title":"x"}', result: { success: true, taskId: 't1' }, at: 1_000_000 }]);
  });

  it('never applies entries of another scope (another deployment or account)', () => {
    const { make } = open();
    make('convex:https://a.example:acct1').forNotification('n1').record({ tool: 't', args: '{}' }, { success: true });
    expect(make('convex:https://b.example:acct1').forNotification('n1').lookup({ tool: 't', args: '{}' })).toBeUndefined();
  });

  it('prunes entries a retention window after the final outcome, and stale unfinished ones after the hard cap', () => {
    const { make, clock } = open();
    const ledger = make();
    ledger.forNotification('done').record({ tool: 't', args: '{}' }, { success: true });
    ledger.forNotification('open').record({ tool: 't', args: '{}' }, { success: true });
    ledger.ended('done');
    clock.advance(23 * HOUR);
    expect(ledger.prune()).toBe(0);
    clock.advance(2 * HOUR);
    expect(ledger.prune()).toBe(1);
    expect(ledger.forNotification('open').lookup({ tool: 't', args: '{}' })).toEqual({ success: true });
    clock.advance(7 * 24 * HOUR);
    expect(ledger.prune()).toBe(1);
    expect(ledger.count()).toBe(0);
  });

  it('marks ended what a previous process left open (a crash mid-notification), and what was recorded after the first end', () => {
    const { make, clock } = open();
    make().forNotification('left').record({ tool: 't', args: '{}' }, { success: true });
    const restarted = make();
    restarted.ended('other');
    restarted.forNotification('later').record({ tool: 't', args: '{"n":2}' }, { success: true });
    restarted.ended('left');
    restarted.ended('later');
    restarted.forNotification('again').record({ tool: 't', args: '{}' }, { success: true });
    clock.advance(25 * HOUR);
    expect(restarted.prune()).toBe(2);
    expect(restarted.forNotification('again').lookup({ tool: 't', args: '{}' })).toEqual({ success: true });
  });

  it('a notification recorded again after it ended is marked ended again', () => {
    const { make, clock } = open();
    const ledger = make();
    ledger.forNotification('n').record({ tool: 't', args: '{}' }, { success: true });
    ledger.ended('n');
    clock.advance(HOUR);
    ledger.forNotification('n').record({ tool: 't', args: '{"n":2}' }, { success: true });
    ledger.ended('n');
    clock.advance(25 * HOUR);
    expect(ledger.prune()).toBe(2);
  });
});
