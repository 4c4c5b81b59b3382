/** Agents: roster, runtime profiles, heartbeats and skills (§2.3 #6–8, #11, #29). */
import { describe, expect, it } from 'vitest';
import * as admin from '../../plugins/backend-local/admin.ts';
import type { ContractContext } from './backend.contract.ts';
import { expectRejected } from './harness.ts';

export function agentContract({ target, world }: ContractContext): void {
  describe('agents', () => {
    it('lists agents with stable system session keys and effective flags', async () => {
      const w = world();
      const agents = await w.port.listAgents();
      const orion = agents.find((a) => a.slug === 'orion')!;
      expect(orion.systemSessionKey).toBe(`system:agent:orion:${w.demo.accountId}:v1`);
      expect(orion.effectiveBehaviorFlags).toMatchObject({ canCreateTasks: true, canMarkDone: false });
      expect(agents.find((a) => a.slug === 'qa')!.effectiveBehaviorFlags.canMarkDone).toBe(true);
      expect(orion).toMatchObject({ name: 'Orion', role: 'Squad Lead', heartbeatInterval: 15, status: 'offline' });
      const again = await w.port.listAgents();
      expect(again.map((a) => a.systemSessionKey)).toEqual(agents.map((a) => a.systemSessionKey));
      expect(await w.port.getOrchestratorAgentId()).toEqual({ orchestratorAgentId: w.demo.agents.orion });
    });

    it('returns runtime profiles with defaults and only enabled skills of the account', async () => {
      const w = world();
      const { engineer } = w.demo.agents;
      const foreign = admin.withAccount(w.backend.db, w.other.accountId, 'write', (ctx) => admin.createSkill(ctx, { name: 'Foreign', slug: 'foreign' }));
      w.admin((ctx) => {
        const on = admin.createSkill(ctx, { name: 'Git', slug: 'git', description: 'git workflow', contentMarkdown: '# Git' });
        const off = admin.createSkill(ctx, { name: 'Old', slug: 'old', isEnabled: false });
        admin.updateAgentConfig(ctx, engineer, { model: 'claude-haiku-4.5', skillIds: [on, off, foreign] });
        admin.updateAccountSettings(ctx, { userMd: '# USER\nDana runs the team.' });
      });
      const profiles = await w.port.listAgentsForRuntime();
      expect(profiles.map((p) => p.slug)).toEqual(['orion', 'engineer', 'qa']);
      const eng = profiles.find((p) => p.slug === 'engineer')!;
      expect(eng.resolvedSkills).toEqual([{ _id: expect.any(String), name: 'Git', slug: 'git', description: 'git workflow', contentMarkdown: '# Git' }]);
      expect(eng.openclawConfig).toMatchObject({ model: 'claude-haiku-4.5' });
      expect(eng.effectiveSoulContent).toContain('Ada');
      expect(eng.effectiveIdentityContent).toContain('Software Engineer');
      expect(eng.effectiveUserMd).toBe('# USER\nDana runs the team.');
    });

    it('records heartbeats (status, current task, time) and reports skills per agent', async () => {
      const w = world();
      const { engineer, qa } = w.demo.agents;
      const taskId = w.userTask('busy', ['engineer']);
      const hb = await w.port.updateAgentHeartbeat({ agentId: engineer, status: 'online', currentTaskId: taskId });
      expect(hb).toEqual({ success: true, timestamp: expect.any(Number) });
      let eng = (await w.port.listAgents()).find((a) => a._id === engineer)!;
      expect(eng).toMatchObject({ status: 'online', currentTaskId: taskId, lastHeartbeat: hb.timestamp });
      await w.port.updateAgentHeartbeat({ agentId: engineer, status: 'online' });
      eng = (await w.port.listAgents()).find((a) => a._id === engineer)!;
      expect(eng.currentTaskId).toBeUndefined();
      await expectRejected(w.port.updateAgentHeartbeat({ agentId: engineer, status: 'online', currentTaskId: w.other.taskId }), 'forbidden', target);

      w.admin((ctx) => admin.updateAgentConfig(ctx, qa, { skillIds: ['skillone', 'skilltwo'] }));
      const all = await w.port.getAgentSkillsForTool({ agentId: engineer });
      expect(all.map((r) => r.agentId)).toEqual(['orion', 'engineer', 'qa']);
      const one = await w.port.getAgentSkillsForTool({ agentId: engineer, queryAgentId: qa });
      expect(one).toEqual([{ agentId: 'qa', skillIds: ['skillone', 'skilltwo'], skillCount: 2, lastUpdated: expect.any(String) }]);
      expect(all.find((r) => r.agentId === 'engineer')!.lastUpdated).toBe(new Date(eng.lastHeartbeat!).toISOString());
    });
  });
}
