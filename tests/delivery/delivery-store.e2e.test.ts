/**
 * Issue 17 "smaller": a failed write-back keeps the reply; the delivery store
 * is bounded and its migration keeps old rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { BackendError } from '../../core/ports/backend.ts';
import { DeliveryStore, LEGACY_SCOPE } from '../../plugins/delivery/store.ts';
import { deliveryScope } from '../../plugins/delivery/scope.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAY = 86_400_000;
const engineerRuns = (h: Harness) => h.gateway.responsesRequests().filter((r) => r.agentId === 'engineer');

describe('write-back', () => {
  it('a transient backend error while posting the reply retries only the write-back (no second model turn)', async () => {
    let failPosts = 1;
    h = await startHarness({
      wrapBackend: (port) => ({
        ...port,
        async createMessageFromAgent(args) {
          if (failPosts > 0 && args.sourceNotificationId) {
            failPosts--;
            throw new BackendError('timeout', 'createMessageFromAgent', 'timed out');
          }
          return port.createMessageFromAgent(args);
        },
      }),
    });
    h.gateway.script('engineer', [{ text: 'The one and only turn.' }, { text: 'A second turn (must not happen).' }]);
    const taskId = h.createTask('Write-back', 'engineer');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 15_000, 'reply posted');
    expect(agentMessages(await h.thread(taskId))[0].content).toBe('The one and only turn.');
    expect(engineerRuns(h)).toHaveLength(1);
  });
});

describe('bounded store', () => {
  it('drops the retry state of a notification that ended elsewhere', async () => {
    h = await startHarness({ delivery: { backoffBaseMs: 30_000, backoffMaxMs: 30_000 } });
    h.gateway.script('engineer', [{ status: 500 }]);
    h.createTask('Ended elsewhere', 'engineer');
    await eventually(() => {
      const s = h!.store();
      try {
        return s.counts().retrying === 1;
      } finally {
        s.close();
      }
    }, 10_000, 'retry row');
    // Someone else (another runtime, an operator) settles it.
    for (const n of await h.backend.listUndeliveredNotifications({})) await h.backend.markNotificationDelivered({ notificationId: n._id });
    // Prunable once untouched for backoffMaxMs: shorten that by restarting with a small one.
    await h.restart({ backoffBaseMs: 100, backoffMaxMs: 100 });
    await eventually(() => {
      const s = h!.store();
      try {
        return s.counts().retrying === 0;
      } finally {
        s.close();
      }
    }, 10_000, 'retry row pruned');
  });

  it('drops dead letters past their retention and keeps recent ones', async () => {
    h = await startHarness();
    const file = path.join(h.dir, 'delivery.sqlite');
    const own = new DeliveryStore(file, { scope: deliveryScope({}, undefined) });
    const now = Date.now();
    own.deadLetter({ notificationId: 'ntf-old', notificationType: 'mention', agentId: null, taskId: null, attempts: 5, lastError: 'x', deadAt: now - 40 * DAY });
    own.deadLetter({ notificationId: 'ntf-recent', notificationType: 'mention', agentId: null, taskId: null, attempts: 5, lastError: 'x', deadAt: now - DAY });
    own.close();
    await h.restart();
    await eventually(() => {
      const s = h!.store();
      try {
        return s.deadLetters().length === 1 ? s.deadLetters() : undefined;
      } finally {
        s.close();
      }
    }, 10_000, 'old dead letter pruned');
  });
});

describe('store migration', () => {
  it('moves rows of a version-1 store to the legacy scope, where they are kept but not applied', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mc-store-'));
    const file = path.join(dir, 'delivery.sqlite');
    const v1 = new DatabaseSync(file);
    v1.exec(`CREATE TABLE retries (notification_id TEXT PRIMARY KEY, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE dead_letters (notification_id TEXT PRIMARY KEY, notification_type TEXT NOT NULL, agent_id TEXT, task_id TEXT, attempts INTEGER NOT NULL,
        last_error TEXT NOT NULL, dead_at INTEGER NOT NULL, notice_posted INTEGER NOT NULL DEFAULT 0, replay_requested_at INTEGER);
      INSERT INTO retries VALUES ('ntf-a', 2, 0, 'e', 0);
      INSERT INTO dead_letters VALUES ('ntf-b', 'mention', NULL, NULL, 5, 'e', 0, 1, NULL);
      PRAGMA user_version = 1;`);
    v1.close();
    const scoped = new DeliveryStore(file, { scope: 'embedded account=-' });
    expect(scoped.counts()).toEqual({ retrying: 0, dead: 0 });
    expect(scoped.deadLetterOf('ntf-b')).toBeUndefined();
    expect(scoped.otherScopes()).toEqual([{ scope: LEGACY_SCOPE, retrying: 1, dead: 1 }]);
    scoped.close();
    const all = new DeliveryStore(file);
    expect(all.counts()).toEqual({ retrying: 1, dead: 1 });
    all.close();
  });
});

