/** Messages (idempotency), response requests (dedupe rules) and documents (§2.3 #19, #21–24). */
import { describe, expect, it } from 'vitest';
import * as admin from '../../plugins/backend-local/admin.ts';
import type { ContractContext } from './backend.contract.ts';
import { expectRejected } from './harness.ts';

const HOUR = 60 * 60 * 1000;

export function messageContract({ target, world }: ContractContext): void {
  describe('messages', () => {
    it('posts at most one message per sourceNotificationId', async () => {
      const w = world();
      const { engineer, orion } = w.demo.agents;
      const taskId = w.userTask('idempotent', ['engineer']);
      const [assignment] = await w.port.listUndeliveredNotifications({});
      const args = { taskId, agentId: engineer, content: 'Done, see PR.', sourceNotificationId: assignment._id };
      const first = await w.port.createMessageFromAgent(args);
      const second = await w.port.createMessageFromAgent({ ...args, content: 'a retried run says it differently' });
      expect(second.messageId).toBe(first.messageId);
      const thread = await w.port.listTaskThreadForAgentTool({ agentId: orion, taskId });
      expect(thread.map((m) => m.content)).toEqual(['Done, see PR.']);
      expect(thread[0]).toMatchObject({ messageId: first.messageId, authorType: 'agent', authorId: engineer, authorName: 'Ada' });
    });

    it('rejects empty and oversized content', async () => {
      const w = world();
      const taskId = w.userTask('limits', ['engineer']);
      const agentId = w.demo.agents.engineer;
      await expectRejected(w.port.createMessageFromAgent({ taskId, agentId, content: '   ' }), 'invalid_argument', target);
      await expectRejected(
        w.port.createMessageFromAgent({ taskId, agentId, content: 'x'.repeat(100_001) }),
        'invalid_argument',
        target,
        /too long/,
      );
    });

    it('lets only the orchestrator post through the task_message tool', async () => {
      const w = world();
      const { engineer, orion, qa } = w.demo.agents;
      const taskId = w.userTask('tool message', ['engineer']);
      await expectRejected(
        w.port.createTaskMessageForAgentTool({ agentId: engineer, taskId, content: 'hi' }),
        'forbidden',
        target,
        /Only the orchestrator/,
      );
      const { messageId } = await w.port.createTaskMessageForAgentTool({ agentId: orion, taskId, content: '@qa please review' });
      const queue = await w.port.listUndeliveredNotifications({});
      expect(queue.filter((n) => n.messageId === messageId).map((n) => [n.type, n.recipientId])).toEqual([['mention', qa]]);
    });
  });

  describe('response requests', () => {
    it('validates recipients: unknown slugs, self only, too many', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      const taskId = w.userTask('rr', ['engineer']);
      const ask = (recipientSlugs: string[], message = 'please respond') =>
        w.port.createResponseRequestNotifications({ requesterAgentId: engineer, taskId, recipientSlugs, message });
      await expectRejected(ask(['qa', 'ghost']), 'invalid_argument', target, /Unknown recipient slugs: ghost/);
      await expectRejected(ask(['engineer']), 'invalid_argument', target, /No valid recipients/);
      await expectRejected(ask(['qa'], ''), 'invalid_argument', target);
      await expectRejected(ask(['qa'], 'x'.repeat(1001)), 'invalid_argument', target);
      await expectRejected(ask(Array.from({ length: 11 }, (_, i) => `s${i}`)), 'invalid_argument', target);
    });

    it('dedupes per (task, recipient): pending, recent, replied, cooled down', async () => {
      const w = world();
      const { engineer, qa } = w.demo.agents;
      const taskId = w.userTask('dedupe', ['engineer']);
      const ask = () =>
        w.port.createResponseRequestNotifications({ requesterAgentId: engineer, taskId, recipientSlugs: ['QA', 'engineer'], message: 'Is it green?' });

      const first = await ask();
      expect(first.notificationIds).toHaveLength(1); // the requester itself is skipped
      const ctx = await w.port.getNotificationForDelivery({ notificationId: first.notificationIds[0] });
      expect(ctx!.notification).toMatchObject({ type: 'response_request', recipientId: qa, body: 'Is it green?', title: 'Ada requested a response' });

      expect((await ask()).notificationIds).toEqual([]); // latest still undelivered
      await w.port.markNotificationDelivered({ notificationId: first.notificationIds[0] });
      w.clock.advance(HOUR);
      expect((await ask()).notificationIds).toEqual([]); // delivered 1 h ago, no reply since

      await w.port.createMessageFromAgent({ taskId, agentId: qa, content: 'Yes, all green.' });
      const afterReply = await ask();
      expect(afterReply.notificationIds).toHaveLength(1); // the recipient posted since

      await w.port.markNotificationDelivered({ notificationId: afterReply.notificationIds[0] });
      w.clock.advance(4 * HOUR);
      expect((await ask()).notificationIds).toHaveLength(1); // delivered ≥ 4 h ago
    });

    it('requires canMentionAgents', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      const taskId = w.userTask('no mentions', ['engineer']);
      w.admin((ctx) => admin.updateAgentConfig(ctx, engineer, { behaviorFlags: { canMentionAgents: false } }));
      await expectRejected(
        w.port.createResponseRequestNotifications({ requesterAgentId: engineer, taskId, recipientSlugs: ['qa'], message: 'hi' }),
        'forbidden',
        target,
      );
    });
  });

  describe('documents', () => {
    it('creates, updates (version bump on content change) and lists documents', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      const taskId = w.userTask('docs', ['engineer']);
      const { documentId } = await w.port.createDocumentFromAgent({ agentId: engineer, taskId, title: 'Design', content: 'v1', type: 'deliverable' });
      await w.port.createDocumentFromAgent({ agentId: engineer, title: 'Notes', content: 'n', type: 'note' });
      const same = await w.port.createDocumentFromAgent({ agentId: engineer, documentId, title: 'Design v2', content: 'v2', type: 'deliverable' });
      expect(same.documentId).toBe(documentId);
      const version = w.backend.db.get<{ version: number; title: string }>('SELECT version, title FROM documents WHERE id = $id', { id: documentId });
      expect(version).toEqual({ version: 2, title: 'Design v2' });

      const forTask = await w.port.listDocumentsForAgent({ taskId });
      expect(forTask.documents).toEqual([{ _id: documentId, title: 'Design v2', type: 'deliverable', taskId, updatedAt: expect.any(Number) }]);
      const notes = await w.port.listDocumentsForAgent({ type: 'note' });
      expect(notes.documents.map((d) => d.title)).toEqual(['Notes']);
      expect((await w.port.listDocumentsForAgent({ limit: 1 })).documents).toHaveLength(1);
      expect((await w.port.listDocumentsForAgent({})).documents[0].title).toBe('Design v2'); // newest first
    });

    it('enforces canCreateDocuments and document ownership', async () => {
      const w = world();
      const { engineer, qa } = w.demo.agents;
      w.admin((ctx) => admin.updateAgentConfig(ctx, qa, { behaviorFlags: { canCreateDocuments: false } }));
      await expectRejected(
        w.port.createDocumentFromAgent({ agentId: qa, title: 'x', content: 'y', type: 'note' }),
        'forbidden',
        target,
      );
      await expectRejected(
        w.port.createDocumentFromAgent({ agentId: engineer, documentId: 'docmissing', title: 'x', content: 'y', type: 'note' }),
        'not_found',
        target,
      );
    });
  });
}
