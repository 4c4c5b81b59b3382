/** Runtime status, restart requests and pending upgrades (§2.3 #30–32, §3.6). */
import { describe, expect, it } from 'vitest';
import type { RuntimeConfigReport } from '../../core/ports/domain.ts';
import { withAccount } from '../../plugins/backend-local/admin.ts';
import { requestRestart, requestUpgrade, runtimeState } from '../../plugins/backend-local/runtime.ts';
import type { ContractContext } from './backend.contract.ts';

const config = (openclawVersion: string, runtimeServiceVersion: string): RuntimeConfigReport => ({
  dropletId: 'local',
  ipAddress: '127.0.0.1',
  region: 'dev',
  openclawVersion,
  runtimeServiceVersion,
  lastHealthCheck: Date.UTC(2026, 0, 15),
});

export function runtimeContract({ world }: ContractContext): void {
  describe('runtime status, restart and upgrade', () => {
    it('stores the status report', async () => {
      const w = world();
      expect(await w.port.updateRuntimeStatus({ status: 'online', config: config('2026.1.1', '0.1.0') })).toEqual({ success: true });
      const state = w.admin((ctx) => runtimeState(ctx));
      expect(state).toMatchObject({ status: 'online', config: config('2026.1.1', '0.1.0') });
    });

    it('hands out a restart request once', async () => {
      const w = world();
      expect(await w.port.checkAndClearRestartRequested()).toEqual({ restartRequested: false });
      w.admin((ctx) => requestRestart(ctx));
      expect(await w.port.checkAndClearRestartRequested()).toEqual({ restartRequested: true });
      expect(await w.port.checkAndClearRestartRequested()).toEqual({ restartRequested: false });
    });

    it('clears a pending upgrade once the reported versions match its targets', async () => {
      const w = world();
      expect(await w.port.getPendingUpgrade()).toBeNull();
      const pending = w.admin((ctx) => requestUpgrade(ctx, { targetOpenclawVersion: '2026.2.0', targetRuntimeVersion: '0.2.0', initiatedBy: 'ops', strategy: 'rolling' }));
      expect(await w.port.getPendingUpgrade()).toEqual(pending);
      await w.port.updateRuntimeStatus({ status: 'online', config: config('2026.1.1', '0.1.0') });
      expect(await w.port.getPendingUpgrade()).toEqual(pending);
      await w.port.updateRuntimeStatus({ status: 'online', config: config('2026.2.0', '0.2.0') });
      expect(await w.port.getPendingUpgrade()).toBeNull();
      const history = w.admin((ctx) => runtimeState(ctx)).upgradeHistory;
      expect(history).toEqual([expect.objectContaining({ status: 'success', toOpenclawVersion: '2026.2.0', toRuntimeVersion: '0.2.0' })]);
    });

    it('gives up on a pending upgrade after 30 minutes', async () => {
      const w = world();
      w.admin((ctx) => requestUpgrade(ctx, { targetOpenclawVersion: '9', targetRuntimeVersion: '9', initiatedBy: 'ops' }));
      w.clock.advance(31 * 60 * 1000);
      await w.port.updateRuntimeStatus({ status: 'online', config: config('1', '1') });
      expect(await w.port.getPendingUpgrade()).toBeNull();
      expect(w.admin((ctx) => runtimeState(ctx)).upgradeHistory).toEqual([
        expect.objectContaining({ status: 'failed', error: 'Upgrade timed out' }),
      ]);
    });

    it('going offline marks agents offline and stops every typing indicator', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      w.userTask('typing', ['engineer']);
      await w.port.updateAgentHeartbeat({ agentId: engineer, status: 'online' });
      const [n] = await w.port.listUndeliveredNotifications({});
      await w.port.markNotificationRead({ notificationId: n._id });
      await w.port.updateRuntimeStatus({ status: 'offline' });
      expect((await w.port.listAgents()).every((a) => a.status === 'offline')).toBe(true);
      const ctx = await w.port.getNotificationForDelivery({ notificationId: n._id });
      expect(ctx!.notification.deliveryEndedAt).toBeTypeOf('number');
      expect(withAccount(w.backend.db, w.demo.accountId, 'read', (c) => runtimeState(c)).status).toBe('offline');
    });
  });
}
