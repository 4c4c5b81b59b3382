/**
 * Issue 11 §4: local delivery state belongs to one backend deployment and one
 * account; every outcome that ends a notification is logged at info with its
 * reason and counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import Type from 'typebox';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';
import { DeliveryStore } from '../../plugins/delivery/store.ts';
import { definePlugin } from '../../core/plugin.ts';
import { STAGE } from '../../core/hook-facade.ts';
import type { DeliveredEvent } from '../../core/hooks.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const OTHER_SCOPE = 'https://old-deployment.convex.cloud account=acct-old';

describe('delivery state scope', () => {
  it('a dead letter of another deployment is kept, never applied, and reported once at start', async () => {
    const planted = new Set<string>();
    let storeFile = '';
    h = await startHarness({
      wrapBackend: (port) => ({
        ...port,
        async listUndeliveredNotifications(args) {
          const list = await port.listUndeliveredNotifications(args);
          // The data dir was used for another deployment whose ids collide with this one's.
          for (const n of list) {
            if (planted.has(n._id) || !storeFile) continue;
            planted.add(n._id);
            const old = new DeliveryStore(storeFile, { scope: OTHER_SCOPE });
            old.deadLetter({ notificationId: n._id, notificationType: n.type, agentId: null, taskId: null, attempts: 5, lastError: 'old failure', deadAt: Date.now() });
            old.close();
          }
          return list;
        },
      }),
    });
    storeFile = path.join(h.dir, 'delivery.sqlite');
    h.gateway.script('engineer', [{ text: 'Delivered despite the old dead letter.' }]);
    const taskId = h.createTask('Reused ids', 'engineer');
    await eventually(async () => agentMessages(await h!.thread(taskId)).length === 1, 15_000, 'delivered');
    expect(agentMessages(await h.thread(taskId))[0].content).toBe('Delivered despite the old dead letter.');
    const s = h.store();
    expect(s.deadLetters().map((d) => d.scope)).toContain(OTHER_SCOPE);
    s.close();
    await h.restart();
    await eventually(() => h!.t.logs.lines().some((l) => l.msg === 'delivery state of another backend deployment or account is kept but not applied'), 5000, 'report');
    expect(h.t.logs.lines().filter((l) => l.msg === 'delivery state of another backend deployment or account is kept but not applied')).toHaveLength(1);
  });

  it('a skipped notification is logged at info with its reason and counted', async () => {
    const events: DeliveredEvent[] = [];
    const policy = definePlugin({
      id: 'skip-engineer',
      version: '1',
      configSchema: Type.Object({}),
      register(api) {
        api.hooks.onNotification.tap(({ context }) => (context.agent?.slug === 'engineer' ? { action: 'skip', reason: 'engineer is on leave' } : undefined), { stage: STAGE.POLICY - 1 });
        api.hooks.onDelivered.tap((e) => void events.push(e));
      },
    });
    h = await startHarness({ extraPlugins: [{ plugin: policy }] });
    h.createTask('Skipped', 'engineer');
    await eventually(() => events.some((e) => e.outcome === 'skipped'), 10_000, 'skip outcome');
    const line = h.t.logs.lines().find((l) => l.msg === 'notification skipped');
    expect(line).toMatchObject({ level: 30, reason: 'engineer is on leave', type: 'assignment' });
    expect(events.find((e) => e.outcome === 'skipped')?.reason).toBe('engineer is on leave');
  });
});
