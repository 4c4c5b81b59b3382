/** Service-token auth, account scoping and argument validation (original-runtime.md §2.1). */
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './backend.contract.ts';
import { expectRejected } from './harness.ts';

export function authContract({ target, world }: ContractContext): void {
  describe('auth and account scoping', () => {
    it('accepts the account token and returns only that account', async () => {
      const w = world();
      const agents = await w.port.listAgents();
      expect(agents.map((a) => a.slug).sort()).toEqual(['engineer', 'orion', 'qa']);
      expect(agents.every((a) => a.accountId === w.demo.accountId)).toBe(true);
    });

    it('refuses a token with the wrong secret', async () => {
      const w = world();
      const wrong = w.demo.serviceToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
      const port = w.portFor({ accountId: w.demo.accountId, serviceToken: wrong });
      await expectRejected(port.listUndeliveredNotifications({}), 'unauthorized', target, /Invalid service token/);
      await expectRejected(
        port.createTaskFromAgent({ agentId: w.demo.agents.orion, title: 'nope' }),
        'unauthorized',
        target,
        /Invalid service token/,
      );
      // Nothing was written by the refused call.
      expect(w.backend.db.get<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE title = 'nope'")!.n).toBe(0);
    });

    it('refuses malformed tokens and tokens of unknown accounts', async () => {
      const w = world();
      await expectRejected(
        w.portFor({ accountId: w.demo.accountId, serviceToken: 'not-a-token' }).getOrchestratorAgentId(),
        'unauthorized',
        target,
        /format/,
      );
      await expectRejected(
        w.portFor({ accountId: w.demo.accountId, serviceToken: 'mc_service_x' }).getOrchestratorAgentId(),
        'unauthorized',
        target,
        /structure/,
      );
      const ghost = `mc_service_acctghost_${'a'.repeat(64)}`;
      await expectRejected(w.portFor({ accountId: 'acctghost', serviceToken: ghost }).listAgents(), 'unauthorized', target);
    });

    it('refuses a valid token used for another account (account mismatch)', async () => {
      const w = world();
      const port = w.portFor({ accountId: w.other.accountId, serviceToken: w.demo.serviceToken });
      await expectRejected(port.listUndeliveredNotifications({}), 'unauthorized', target, /does not match account/);
    });

    it("forbids touching another account's entities", async () => {
      const w = world();
      const { orion, engineer } = w.demo.agents;
      await expectRejected(
        w.port.getTaskForAgentTool({ agentId: orion, taskId: w.other.taskId }),
        'forbidden',
        target,
        /Task belongs to different account/,
      );
      await expectRejected(
        w.port.updateTaskStatusFromAgent({ taskId: w.other.taskId, agentId: engineer, status: 'in_progress' }),
        'forbidden',
        target,
      );
      await expectRejected(
        w.port.createMessageFromAgent({ taskId: w.userTask('mine', ['engineer']), agentId: w.other.agentId, content: 'hi' }),
        'forbidden',
        target,
        /Agent belongs to different account/,
      );
      await expectRejected(w.port.markNotificationDelivered({ notificationId: w.other.notificationId }), 'forbidden', target);
      // The delivery context of a foreign notification is simply absent.
      expect(await w.port.getNotificationForDelivery({ notificationId: w.other.notificationId })).toBeNull();
      const queue = await w.port.listUndeliveredNotifications({});
      expect(queue.some((n) => n.accountId !== w.demo.accountId)).toBe(false);
    });

    it('reports unknown ids as not_found', async () => {
      const w = world();
      await expectRejected(w.port.markNotificationRead({ notificationId: 'ntfmissing' }), 'not_found', target);
      await expectRejected(
        w.port.updateAgentHeartbeat({ agentId: 'agentmissing', status: 'online' }),
        'not_found',
        target,
        /Agent not found/,
      );
      expect(await w.port.getTaskForAgentTool({ agentId: w.demo.agents.orion, taskId: 'taskmissing' })).toBeNull();
    });

    it('validates argument shapes like the hosted validators', async () => {
      const w = world();
      const taskId = w.userTask('shape', ['engineer']);
      const agentId = w.demo.agents.engineer;
      await expectRejected(
        w.port.updateTaskStatusFromAgent({ taskId, agentId, status: 'finished' as never }),
        'invalid_argument',
        target,
      );
      await expectRejected(
        w.port.listUndeliveredNotifications({ limit: 5, unexpected: true } as never),
        'invalid_argument',
        target,
        /unexpected field/,
      );
      await expectRejected(
        w.port.createTaskFromAgent({ agentId: w.demo.agents.orion } as never),
        'invalid_argument',
        target,
        /title/,
      );
    });
  });
}
