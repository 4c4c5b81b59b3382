/** Task workflow and task tools (§2.2, §2.3 #9–18, #20, #25–28, §3.2). */
import { describe, expect, it } from 'vitest';
import * as admin from '../../plugins/backend-local/admin.ts';
import type { ContractContext } from './backend.contract.ts';
import { expectRejected } from './harness.ts';

export function taskContract(c: ContractContext): void {
  statusContract(c);
  writeContract(c);
  readContract(c);
}

function statusContract({ target, world }: ContractContext): void {
  describe('task status from agents', () => {
    it('walks the shortest agent path (assigned → in_progress → review) atomically', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const taskId = w.userTask('walk', ['engineer']);
      const r = await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'review' });
      expect(r).toMatchObject({ success: true, taskId, requestedStatus: 'review', status: 'review', changed: true });
      const history = await w.port.getTaskHistoryForAgentTool({ agentId: engineer, taskId });
      const change = history.activities.find((a) => a.type === 'task_status_changed')!;
      expect(change.meta).toMatchObject({ from: 'assigned', to: 'review', path: ['in_progress', 'review'] });
      // The orchestrator is not assigned, so it gets no status_change; the actor never does.
      const queue = await w.port.listUndeliveredNotifications({});
      expect(queue.filter((n) => n.type === 'status_change').map((n) => n.recipientId)).not.toContain(orion);
      expect(queue.filter((n) => n.type === 'status_change').map((n) => n.recipientId)).not.toContain(engineer);
    });

    it('notifies the other assignees of a status change', async () => {
      const w = world();
      const { engineer, qa } = w.demo.agents;
      const taskId = w.userTask('two assignees', ['engineer', 'qa']);
      await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'in_progress' });
      const changes = (await w.port.listUndeliveredNotifications({})).filter((n) => n.type === 'status_change');
      expect(changes.map((n) => [n.recipientId, n.taskId])).toEqual([[qa, taskId]]);
    });

    it('is a no-op on the same status or when expectedStatus does not match', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      const taskId = w.userTask('noop', ['engineer']);
      const mismatch = await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'in_progress', expectedStatus: 'review' });
      expect(mismatch).toMatchObject({ changed: false, status: 'assigned', requestedStatus: 'in_progress' });
      await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'in_progress', expectedStatus: 'assigned' });
      const same = await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'in_progress' });
      expect(same).toMatchObject({ changed: false, status: 'in_progress' });
    });

    it('refuses impossible transitions and unmet requirements', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const inbox = w.userTask('inbox task');
      await expectRejected(w.port.updateTaskStatusFromAgent({ taskId: inbox, agentId: engineer, status: 'in_progress' }), 'invalid_transition', target);
      const taskId = w.userTask('reqs', ['engineer']);
      await expectRejected(
        w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'blocked' }),
        'invalid_argument',
        target,
        /blockedReason/,
      );
      await expectRejected(
        w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'assigned' as never }),
        'invalid_argument',
        target,
      );
      await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'blocked', blockedReason: 'no access' });
      expect((await w.port.getTaskForAgentTool({ agentId: orion, taskId }))!.blockedReason).toBe('no access');
      // blocked → review walks through in_progress and clears the reason.
      const r = await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'review' });
      expect(r.status).toBe('review');
      expect((await w.port.getTaskForAgentTool({ agentId: orion, taskId }))!.blockedReason).toBeUndefined();
      await w.port.deleteTaskFromAgent({ taskId, agentId: orion, reason: 'obsolete' });
      await expectRejected(w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'in_progress' }), 'invalid_transition', target);
    });

    it('gates done: review first, then QA when the account has QA', async () => {
      const w = world();
      const { engineer, orion, qa } = w.demo.agents;
      const taskId = w.userTask('gate', ['engineer']);
      await expectRejected(w.port.updateTaskStatusFromAgent({ taskId, agentId: qa, status: 'done' }), 'invalid_transition', target, /review/);
      await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'review' });
      await expectRejected(w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'done' }), 'forbidden', target, /QA must approve/);
      await expectRejected(w.port.updateTaskStatusFromAgent({ taskId, agentId: orion, status: 'done' }), 'forbidden', target);
      const r = await w.port.updateTaskStatusFromAgent({ taskId, agentId: qa, status: 'done' });
      expect(r).toMatchObject({ status: 'done', changed: true });
    });

    it('gates done on the orchestrator when the account has no QA agent', async () => {
      const w = world();
      const { engineer, orion, qa } = w.demo.agents;
      w.backend.db.run("UPDATE agents SET slug = 'tester', role = 'Tester' WHERE id = $id", { id: qa });
      const taskId = w.userTask('no qa', ['engineer']);
      await w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'review' });
      await expectRejected(
        w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'done' }),
        'forbidden',
        target,
        /Only the orchestrator can mark tasks as done/,
      );
      expect((await w.port.updateTaskStatusFromAgent({ taskId, agentId: orion, status: 'done' })).status).toBe('done');
    });

    it('requires canModifyTaskStatus', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      w.admin((ctx) => admin.updateAgentConfig(ctx, engineer, { behaviorFlags: { canModifyTaskStatus: false } }));
      const taskId = w.userTask('flag', ['engineer']);
      await expectRejected(w.port.updateTaskStatusFromAgent({ taskId, agentId: engineer, status: 'in_progress' }), 'forbidden', target);
      await expectRejected(w.port.updateTaskFromAgent({ taskId, agentId: engineer, title: 'x' }), 'forbidden', target);
    });
  });
}

function writeContract({ target, world }: ContractContext): void {
  describe('task writes', () => {
    it('creates tasks: flag check, status promotion, creator auto-assignment, notifications', async () => {
      const w = world();
      const { engineer, orion, qa } = w.demo.agents;
      await expectRejected(w.port.createTaskFromAgent({ agentId: engineer, title: 'not allowed' }), 'forbidden', target);
      const { taskId } = await w.port.createTaskFromAgent({ agentId: orion, title: ' Ship it ', assignedAgentIds: [qa], labels: ['release'], priority: 2 });
      const task = (await w.port.getTaskForAgentTool({ agentId: orion, taskId }))!;
      expect(task).toMatchObject({ title: 'Ship it', status: 'assigned', assignedAgentIds: [qa], labels: ['release'], priority: 2, createdBy: orion });
      const queue = await w.port.listUndeliveredNotifications({});
      expect(queue.filter((n) => n.taskId === taskId).map((n) => [n.type, n.recipientId])).toEqual([['assignment', qa]]);

      const self = await w.port.createTaskFromAgent({ agentId: orion, title: 'mine', status: 'in_progress' });
      expect((await w.port.getTaskForAgentTool({ agentId: orion, taskId: self.taskId }))!.assignedAgentIds).toEqual([orion]);
      const inbox = await w.port.createTaskFromAgent({ agentId: orion, title: 'later' });
      expect((await w.port.getTaskForAgentTool({ agentId: orion, taskId: inbox.taskId }))!.status).toBe('inbox');
      await expectRejected(w.port.createTaskFromAgent({ agentId: orion, title: 'b', status: 'blocked' }), 'invalid_argument', target);
      await expectRejected(w.port.createTaskFromAgent({ agentId: orion, title: '  ' }), 'invalid_argument', target);
      await expectRejected(w.port.createTaskFromAgent({ agentId: orion, title: 'p', priority: 9 }), 'invalid_argument', target);
    });

    it('assigns (orchestrator only, additive, inbox → in_progress, only new assignees notified)', async () => {
      const w = world();
      const { engineer, orion, qa } = w.demo.agents;
      const taskId = w.userTask('to assign');
      await expectRejected(
        w.port.assignTaskFromAgent({ taskId, agentId: engineer, assignedAgentIds: [engineer] }),
        'forbidden',
        target,
        /Only the orchestrator can assign tasks/,
      );
      await w.port.assignTaskFromAgent({ taskId, agentId: orion, assignedAgentIds: [engineer] });
      await w.port.assignTaskFromAgent({ taskId, agentId: orion, assignedAgentIds: [engineer, qa] });
      const task = (await w.port.getTaskForAgentTool({ agentId: orion, taskId }))!;
      expect(task.status).toBe('in_progress');
      expect(task.assignedAgentIds).toEqual([engineer, qa]);
      const assignments = (await w.port.listUndeliveredNotifications({})).filter((n) => n.type === 'assignment' && n.taskId === taskId);
      expect(assignments.map((n) => n.recipientId)).toEqual([engineer, qa]);
    });

    it('updates fields, replaces assignees and reports changedFields', async () => {
      const w = world();
      const { engineer, orion, qa } = w.demo.agents;
      const taskId = w.userTask('update me', ['engineer']);
      const r = await w.port.updateTaskFromAgent({
        taskId,
        agentId: engineer,
        title: 'updated',
        priority: 1,
        labels: ['a'],
        assignedAgentIds: [engineer, qa],
        assignedUserIds: [w.demo.userId],
        status: 'review',
      });
      expect(r.changedFields.sort()).toEqual(['assignedAgentIds', 'assignedUserIds', 'labels', 'priority', 'status', 'title']);
      const task = (await w.port.getTaskForAgentTool({ agentId: orion, taskId }))!;
      expect(task).toMatchObject({ title: 'updated', priority: 1, status: 'review', assignedAgentIds: [engineer, qa], assignedUserIds: [w.demo.userId] });
      expect((await w.port.updateTaskFromAgent({ taskId, agentId: engineer, title: 'updated' })).changedFields).toEqual([]);
      await expectRejected(w.port.updateTaskFromAgent({ taskId, agentId: engineer, priority: 0 }), 'invalid_argument', target);
      await expectRejected(w.port.updateTaskFromAgent({ taskId, agentId: engineer, assignedUserIds: ['usernobody'] }), 'invalid_argument', target);
      await expectRejected(w.port.updateTaskFromAgent({ taskId, agentId: engineer, status: 'done' }), 'forbidden', target);
      const other = w.userTask('keep assignees', ['engineer']);
      await expectRejected(w.port.updateTaskFromAgent({ taskId: other, agentId: engineer, assignedAgentIds: [] }), 'invalid_argument', target);
    });

    it('deletes (archives) tasks: orchestrator only, any status, closes sessions', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const taskId = w.userTask('to delete', ['engineer']);
      const [assignment] = await w.port.listUndeliveredNotifications({});
      const before = await w.port.getNotificationForDelivery({ notificationId: assignment._id });
      await expectRejected(w.port.deleteTaskFromAgent({ taskId, agentId: engineer, reason: 'x' }), 'forbidden', target);
      await expectRejected(w.port.deleteTaskFromAgent({ taskId, agentId: orion, reason: ' ' }), 'invalid_argument', target);
      expect(await w.port.deleteTaskFromAgent({ taskId, agentId: orion, reason: 'duplicate' })).toEqual({ success: true });
      const task = (await w.port.getTaskForAgentTool({ agentId: orion, taskId }))!;
      expect(task.status).toBe('archived');
      expect(task.archivedAt).toBeTypeOf('number');
      const after = await w.port.getNotificationForDelivery({ notificationId: assignment._id });
      expect(before!.deliverySessionKey).toMatch(/:v1$/);
      expect(after!.deliverySessionKey).toBe(before!.deliverySessionKey!.replace(/:v1$/, ':v2'));
      const history = await w.port.getTaskHistoryForAgentTool({ agentId: engineer, taskId });
      expect(history.activities[0]).toMatchObject({ type: 'task_deleted', meta: { reason: 'duplicate', from: 'assigned' } });
    });

    it('links a PR (orchestrator only)', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const taskId = w.userTask('pr', ['engineer']);
      await expectRejected(w.port.linkTaskToPrForAgentTool({ agentId: engineer, taskId, prNumber: 7 }), 'forbidden', target);
      expect(await w.port.linkTaskToPrForAgentTool({ agentId: orion, taskId, prNumber: 42 })).toEqual({ success: true });
      expect((await w.port.getTaskForAgentTool({ agentId: orion, taskId }))!.metadata).toEqual({ prNumber: 42 });
    });
  });
}

function readContract({ target, world }: ContractContext): void {
  describe('task reads', () => {
    it('lists assigned tasks (done excluded unless asked) and heartbeat tasks, newest first', async () => {
      const w = world();
      const { engineer, qa } = w.demo.agents;
      const a = w.userTask('a', ['engineer']);
      const b = w.userTask('b', ['engineer']);
      w.userTask('c', ['qa']);
      await w.port.updateTaskStatusFromAgent({ taskId: a, agentId: engineer, status: 'review' });
      await w.port.updateTaskStatusFromAgent({ taskId: a, agentId: qa, status: 'done' });
      expect((await w.port.listAssignedTasksForAgent({ agentId: engineer })).map((t) => t._id)).toEqual([b]);
      expect((await w.port.listAssignedTasksForAgent({ agentId: engineer, includeDone: true })).map((t) => t._id)).toEqual([a, b]);
      expect(await w.port.listAssignedTasksForAgent({ agentId: engineer, includeDone: true, limit: 1 })).toHaveLength(1);
      const heartbeat = await w.port.listTasksForOrchestratorHeartbeat({ statuses: ['assigned', 'done'], limit: 10 });
      expect(heartbeat.map((t) => t.title)).toEqual(['a', 'c', 'b']);
    });

    it('orchestrator tools list, get, read threads and search; others are refused', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const login = w.userTask('Fix login bug', ['engineer']);
      w.admin((ctx, userId) => admin.userPostMessage(ctx, userId, login, 'repro: click twice'));
      w.userTask('Write docs');
      await expectRejected(w.port.listTasksForAgentTool({ agentId: engineer }), 'forbidden', target);
      await expectRejected(w.port.getTaskForAgentTool({ agentId: engineer, taskId: login }), 'forbidden', target);
      await expectRejected(w.port.listTaskThreadForAgentTool({ agentId: engineer, taskId: login }), 'forbidden', target);
      await expectRejected(w.port.searchTasksForAgentTool({ agentId: engineer, query: 'login' }), 'forbidden', target);

      expect((await w.port.listTasksForAgentTool({ agentId: orion })).map((t) => t.title)).toEqual(['Write docs', 'Fix login bug']);
      expect((await w.port.listTasksForAgentTool({ agentId: orion, status: 'inbox' })).map((t) => t.title)).toEqual(['Write docs']);
      expect((await w.port.listTasksForAgentTool({ agentId: orion, assigneeAgentId: engineer })).map((t) => t._id)).toEqual([login]);
      expect((await w.port.getTaskForAgentTool({ agentId: orion, taskId: login }))!.title).toBe('Fix login bug');
      const thread = await w.port.listTaskThreadForAgentTool({ agentId: orion, taskId: login, limit: 5 });
      expect(thread.map((m) => m.content)).toEqual(['repro: click twice']);
      const hits = await w.port.searchTasksForAgentTool({ agentId: orion, query: 'LOGIN' });
      expect(hits).toEqual([expect.objectContaining({ _id: login, relevanceScore: 3, status: 'assigned' })]);
      await expectRejected(w.port.searchTasksForAgentTool({ agentId: orion, query: ' ' }), 'invalid_argument', target);
    });

    it('loads details and history for any agent with limits applied', async () => {
      const w = world();
      const { qa } = w.demo.agents;
      const taskId = w.userTask('details', ['engineer']);
      for (let i = 1; i <= 12; i++) w.admin((ctx, userId) => admin.userPostMessage(ctx, userId, taskId, `m${i}`));
      const details = await w.port.loadTaskDetailsForAgentTool({ agentId: qa, taskId });
      expect(details.task._id).toBe(taskId);
      expect(details.thread.map((m) => m.content)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12']);
      expect((await w.port.loadTaskDetailsForAgentTool({ agentId: qa, taskId, messageLimit: 0 })).thread).toHaveLength(1);
      const history = await w.port.getTaskHistoryForAgentTool({ agentId: qa, taskId, messageLimit: 2, activityLimit: 3 });
      expect(history.messages.map((m) => m.content)).toEqual(['m11', 'm12']);
      expect(history.activities).toHaveLength(3);
      expect(history.activities[0].createdAt).toBeGreaterThanOrEqual(history.activities[2].createdAt);
      expect(history.meta).toEqual({ messageLimitApplied: 2, activityLimitApplied: 3 });
    });
  });
}
