/**
 * The store answers "retrying?" and "dead-lettered?" from memory when it knows there is no row
 * (known-rows.ts). These are the cases where memory could be wrong: rows a previous process
 * left, rows the operator's CLI changed from another process, and bulk prunes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeliveryStore } from './store.ts';

const DAY = 86_400_000;

function files() {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mc-known-')), 'delivery.sqlite');
  const runtime = () => new DeliveryStore(file, { scope: 'local:acct1' });
  const operator = () => new DeliveryStore(file);
  return { runtime, operator };
}

const failure = (notificationId: string) => ({ notificationId, agentId: 'a1', taskId: 't1', error: 'boom', nextAttemptAt: 5, now: 1 });
const dead = (notificationId: string, deadAt = 2) => ({ notificationId, notificationType: 'assignment', agentId: 'a1', taskId: 't1', attempts: 3, lastError: 'boom', deadAt });

describe('delivery store: retry and dead-letter reads from memory', () => {
  it('sees the retry rows and dead letters a previous process left', () => {
    const { runtime } = files();
    const before = runtime();
    before.recordFailure(failure('n1'));
    before.deadLetter(dead('n2'));
    before.close();
    const after = runtime();
    expect(after.retry('n1')?.attempts).toBe(1);
    expect(after.deadLetterOf('n2')?.attempts).toBe(3);
    expect(after.retry('n2')).toBeUndefined();
    expect(after.deadLetterOf('n1')).toBeUndefined();
  });

  it('follows its own writes: a failure, a cleared retry, a dead letter, a resolved one', () => {
    const { runtime } = files();
    const store = runtime();
    expect(store.retry('n1')).toBeUndefined();
    expect(store.recordFailure(failure('n1'))).toBe(1);
    expect(store.recordFailure(failure('n1'))).toBe(2);
    expect(store.retry('n1')?.attempts).toBe(2);
    store.clearRetry('n1');
    expect(store.retry('n1')).toBeUndefined();
    store.recordFailure(failure('n3'));
    store.deadLetter(dead('n3'));
    expect(store.retry('n3')).toBeUndefined();
    expect(store.deadLetterOf('n3')?.lastError).toBe('boom');
    store.resolveDeadLetter('n3');
    expect(store.deadLetterOf('n3')).toBeUndefined();
  });

  it("sees the operator's replay request made from another process (the CLI), and the retry row it removed", () => {
    const { runtime, operator } = files();
    const store = runtime();
    store.recordFailure(failure('n1'));
    store.deadLetter(dead('n1'));
    store.recordFailure(failure('n1'));
    expect(store.deadLetterOf('n1')?.replayRequestedAt).toBeNull();
    const cli = operator();
    expect(cli.requestReplay('n1', 7)).toBe(true);
    cli.close();
    expect(store.deadLetterOf('n1')?.replayRequestedAt).toBe(7);
    expect(store.retry('n1')).toBeUndefined();
  });

  it('after a prune, pruned dead letters are gone and the others stay', () => {
    const { runtime } = files();
    const store = runtime();
    store.deadLetter(dead('old', 1));
    store.deadLetter(dead('new', 10 * DAY));
    expect(store.pruneDeadLetters(5 * DAY)).toBe(1);
    expect(store.deadLetterOf('old')).toBeUndefined();
    expect(store.deadLetterOf('new')?.deadAt).toBe(10 * DAY);
  });
});
