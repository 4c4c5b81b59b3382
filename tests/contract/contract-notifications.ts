/** The delivery queue, delivery marks, notification production and the delivery context (§2.3 #1–5, §3.1). */
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../core/ports/domain.ts';
import { ORCHESTRATOR_CHAT_LABEL } from '../../core/ports/domain.ts';
import * as admin from '../../plugins/backend-local/admin.ts';
import type { ContractContext } from './backend.contract.ts';
import type { World } from './harness.ts';

const byRecipient = (ns: Notification[], agentId: string, type?: string) =>
  ns.filter((n) => n.recipientId === agentId && (!type || n.type === type));

function post(w: World, taskId: string, text: string): string {
  return w.admin((ctx, userId) => admin.userPostMessage(ctx, userId, taskId, text));
}

export function notificationContract({ world }: ContractContext): void {
  describe('notification queue and marks', () => {
    it('lists undelivered agent notifications oldest first, honouring the limit', async () => {
      const w = world();
      const first = w.userTask('first', ['engineer']);
      const second = w.userTask('second', ['qa']);
      // An agent mentioning the user creates a user notification, which is not in the agent queue.
      await w.port.createMessageFromAgent({ taskId: first, agentId: w.demo.agents.engineer, content: 'ping @dana' });
      const all = await w.port.listUndeliveredNotifications({});
      expect(all.every((n) => n.recipientType === 'agent' && n.deliveredAt === undefined)).toBe(true);
      expect(all.map((n) => n.createdAt)).toEqual([...all.map((n) => n.createdAt)].sort((a, b) => a - b));
      expect(all[0]).toMatchObject({ type: 'assignment', taskId: first, recipientId: w.demo.agents.engineer });
      expect(all[1]).toMatchObject({ type: 'assignment', taskId: second, recipientId: w.demo.agents.qa });
      const two = await w.port.listUndeliveredNotifications({ limit: 2 });
      expect(two.map((n) => n._id)).toEqual(all.slice(0, 2).map((n) => n._id));
    });

    it('tracks read / delivery-ended / delivered, and delivered ones leave the queue', async () => {
      const w = world();
      w.userTask('marks', ['engineer']);
      const [n] = await w.port.listUndeliveredNotifications({});
      const id = n._id;
      const state = async () => (await w.port.getNotificationForDelivery({ notificationId: id }))!.notification;

      expect(await w.port.markNotificationRead({ notificationId: id })).toEqual({ success: true });
      const read = await state();
      expect(read.readAt).toBeTypeOf('number');
      expect(read.deliveryEndedAt).toBeUndefined();

      await w.port.markNotificationDeliveryEnded({ notificationId: id });
      expect((await state()).deliveryEndedAt).toBeTypeOf('number');
      await w.port.markNotificationRead({ notificationId: id });
      const again = await state();
      expect(again.deliveryEndedAt).toBeUndefined();
      expect(again.readAt).toBe(read.readAt);

      await w.port.markNotificationDelivered({ notificationId: id });
      const delivered = (await state()).deliveredAt;
      expect(delivered).toBeTypeOf('number');
      await w.port.markNotificationDelivered({ notificationId: id });
      expect((await state()).deliveredAt).toBe(delivered);
      await w.port.markNotificationDeliveryEnded({ notificationId: id });
      expect((await state()).deliveryEndedAt).toBeUndefined();
      expect((await w.port.listUndeliveredNotifications({})).map((x) => x._id)).not.toContain(id);
    });
  });

  describe('notification production', () => {
    it('coalesces undelivered thread_updates per (task, agent), but not one being delivered', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const taskId = w.userTask('coalesce', ['engineer']);
      post(w, taskId, 'first update');
      const m2 = post(w, taskId, 'second update');
      let queue = await w.port.listUndeliveredNotifications({});
      expect(byRecipient(queue, engineer, 'thread_update')).toHaveLength(1);
      expect(byRecipient(queue, orion, 'thread_update')).toHaveLength(1);
      expect(byRecipient(queue, engineer, 'thread_update')[0].messageId).toBe(m2);

      // Engineer's update is in flight (read, not ended): a new message gets its own notification.
      const inFlight = byRecipient(queue, engineer, 'thread_update')[0]._id;
      await w.port.markNotificationRead({ notificationId: inFlight });
      const m3 = post(w, taskId, 'third update');
      queue = await w.port.listUndeliveredNotifications({});
      const engineerUpdates = byRecipient(queue, engineer, 'thread_update');
      expect(engineerUpdates).toHaveLength(2);
      expect(engineerUpdates.find((n) => n._id === inFlight)!.messageId).toBe(m2);
      expect(byRecipient(queue, orion, 'thread_update')).toHaveLength(1);
      expect(byRecipient(queue, orion, 'thread_update')[0].messageId).toBe(m3);
    });

    it('turns @mentions into mention notifications and then skips agent thread_updates', async () => {
      const w = world();
      const { engineer, orion, qa } = w.demo.agents;
      const taskId = w.userTask('mentions', ['engineer']);
      const before = (await w.port.listUndeliveredNotifications({})).length;
      const messageId = post(w, taskId, 'hey @qa, have a look');
      const queue = (await w.port.listUndeliveredNotifications({})).slice(before);
      expect(queue).toHaveLength(1);
      expect(queue[0]).toMatchObject({ type: 'mention', recipientId: qa, messageId, taskId });
      expect(byRecipient(queue, orion)).toHaveLength(0);
      expect(byRecipient(queue, engineer)).toHaveLength(0);

      const all = post(w, taskId, 'attention @all');
      const everyone = (await w.port.listUndeliveredNotifications({})).filter((n) => n.messageId === all);
      expect(everyone.map((n) => n.recipientId).sort()).toEqual([engineer, orion, qa].sort());
      expect(everyone.every((n) => n.type === 'mention')).toBe(true);
    });

    it('subscribes the orchestrator to every task; the author hears nothing of its own message', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const taskId = w.userTask('subscribed', ['engineer']);
      const { messageId } = await w.port.createMessageFromAgent({ taskId, agentId: engineer, content: 'progress report' });
      const queue = (await w.port.listUndeliveredNotifications({})).filter((n) => n.messageId === messageId);
      expect(queue.map((n) => [n.type, n.recipientId])).toEqual([['thread_update', orion]]);
    });

    it('sends no agent thread_updates on done or blocked tasks, or when suppressed', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      const taskId = w.userTask('quiet', ['engineer']);
      const { messageId: suppressed } = await w.port.createMessageFromAgent({
        taskId,
        agentId: engineer,
        content: 'note to self, also @qa',
        suppressAgentNotifications: true,
      });
      await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'blocked', blockedReason: 'waiting on access' });
      const blockedMsg = post(w, taskId, 'any news?');
      const queue = await w.port.listUndeliveredNotifications({});
      expect(queue.filter((n) => n.messageId === suppressed || n.messageId === blockedMsg)).toEqual([]);
    });

    it('orchestrator chat: no mentions, only the orchestrator hears, with briefing and overview', async () => {
      const w = world();
      const { orion } = w.demo.agents;
      const chat = w.admin((ctx, userId) =>
        admin.userCreateTask(ctx, userId, { title: 'Chat with Orion', assignedAgentIds: [orion], labels: [ORCHESTRATOR_CHAT_LABEL] }),
      );
      w.userTask('open work', ['engineer']);
      w.admin((ctx, userId) => admin.userCreateDocument(ctx, userId, { title: 'Account Briefing', content: 'We build rockets.', type: 'reference' }));
      const messageId = post(w, chat, 'what is @engineer doing?');
      const queue = (await w.port.listUndeliveredNotifications({})).filter((n) => n.messageId === messageId);
      expect(queue.map((n) => [n.type, n.recipientId])).toEqual([['thread_update', orion]]);
      const ctx = await w.port.getNotificationForDelivery({ notificationId: queue[0]._id });
      expect(ctx!.message!.mentions).toEqual([]);
      expect(ctx!.globalBriefingDoc).toEqual({ title: 'Account Briefing', content: 'We build rockets.' });
      const totals = Object.fromEntries(ctx!.taskOverview!.totals.map((t) => [t.status, t.count]));
      expect(totals).toMatchObject({ assigned: 2, inbox: 0 });
      expect(ctx!.taskOverview!.topTasks.find((t) => t.status === 'assigned')!.tasks.map((t) => t.title).sort()).toEqual([
        'Chat with Orion',
        'open work',
      ]);
    });
  });

  describe('delivery context', () => {
    it('assembles thread, agents, flags, session key and reference docs', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      w.admin((ctx, userId) => {
        admin.updateAccountSettings(ctx, { agentDefaults: { behaviorFlags: { canCreateTasks: true, canMentionAgents: false } } });
        admin.updateAgentConfig(ctx, engineer, { behaviorFlags: { canMentionAgents: true } });
        admin.userCreateDocument(ctx, userId, { title: 'Repository — Primary', content: 'x'.repeat(60_000), type: 'reference' });
      });
      const taskId = w.userTask('context', ['engineer']);
      for (let i = 1; i <= 54; i++) post(w, taskId, `message ${i}`);
      post(w, taskId, 'L'.repeat(3000));
      const assignment = (await w.port.listUndeliveredNotifications({})).find((n) => n.type === 'assignment')!;
      const ctx = (await w.port.getNotificationForDelivery({ notificationId: assignment._id }))!;

      expect(ctx.notification._id).toBe(assignment._id);
      expect(ctx.agent!._id).toBe(engineer);
      expect(ctx.task!._id).toBe(taskId);
      expect(ctx.message).toBeNull();
      expect(ctx.thread).toHaveLength(50);
      expect(ctx.thread[0].content).toBe('message 6');
      expect(ctx.thread[49].content).toHaveLength(2000);
      expect(ctx.thread[0]).toMatchObject({ authorType: 'user', authorName: 'Dana' });
      expect(ctx.orchestratorAgentId).toBe(orion);
      expect(ctx.primaryUserMention).toMatchObject({ id: w.demo.userId, name: 'Dana', email: 'dana@example.com' });
      expect(ctx.mentionableAgents.map((a) => a.slug)).toEqual(['engineer', 'orion', 'qa']); // sorted by name: Ada, Orion, Quinn
      expect(ctx.assignedAgents).toEqual([{ id: engineer, slug: 'engineer', name: 'Ada', role: 'Software Engineer' }]);
      expect(ctx.effectiveBehaviorFlags).toEqual({
        canCreateTasks: true, // account default
        canModifyTaskStatus: true,
        canCreateDocuments: true,
        canMentionAgents: true, // agent overrides account
        canReviewTasks: false,
        canMarkDone: false,
      });
      expect(ctx.deliverySessionKey).toBe(`task:${taskId}:agent:engineer:${w.demo.accountId}:v1`);
      expect(ctx.repositoryDoc!.title).toBe('Repository — Primary');
      expect(ctx.repositoryDoc!.content).toHaveLength(50_000);
      expect(ctx.globalBriefingDoc).toBeNull();
      expect(ctx.taskOverview).toBeNull();
      expect(ctx.sourceNotificationType).toBeNull();
      // The session is opened once and then reused.
      const again = await w.port.getNotificationForDelivery({ notificationId: assignment._id });
      expect(again!.deliverySessionKey).toBe(ctx.deliverySessionKey);
    });

    it("reports the type of the notification a reply answered (sourceNotificationType)", async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const taskId = w.userTask('reply', ['engineer']);
      const [assignment] = await w.port.listUndeliveredNotifications({});
      const { messageId } = await w.port.createMessageFromAgent({
        taskId,
        agentId: engineer,
        content: 'On it.',
        sourceNotificationId: assignment._id,
      });
      const update = (await w.port.listUndeliveredNotifications({})).find((n) => n.recipientId === orion && n.messageId === messageId)!;
      const ctx = await w.port.getNotificationForDelivery({ notificationId: update._id });
      expect(ctx!.message).toMatchObject({ _id: messageId, authorType: 'agent', authorId: engineer, content: 'On it.' });
      expect(ctx!.sourceNotificationType).toBe('assignment');
      expect(ctx!.deliverySessionKey).toBe(`task:${taskId}:agent:orion:${w.demo.accountId}:v1`);
    });
  });
}
