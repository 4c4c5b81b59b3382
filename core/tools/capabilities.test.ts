import { describe, expect, it } from 'vitest';
import type { DeliveryContext } from '../ports/domain.ts';
import { capabilitiesForAgent, capabilitiesFromDeliveryContext, deriveCapabilities, normalizeFlags } from './capabilities.ts';

describe('capabilities (§4.3)', () => {
  it('reads flags the way the original runtime did: status on unless false, the rest only when true', () => {
    expect(normalizeFlags(undefined)).toEqual({
      canCreateTasks: false,
      canModifyTaskStatus: true,
      canCreateDocuments: false,
      canMentionAgents: false,
      canReviewTasks: false,
      canMarkDone: false,
    });
    expect(normalizeFlags({ canModifyTaskStatus: false, canCreateTasks: true, canMentionAgents: true })).toMatchObject({
      canModifyTaskStatus: false,
      canCreateTasks: true,
      canMentionAgents: true,
    });
  });

  it('offers done only with the flag while the task is in review', () => {
    const done = (flag: boolean, status?: 'review' | 'in_progress') =>
      deriveCapabilities({ agentId: 'a', flags: { canMarkDone: flag }, orchestratorAgentId: null, task: status ? { status } : null }).canMarkDone;
    expect(done(true, 'review')).toBe(true);
    expect(done(true, 'in_progress')).toBe(false);
    expect(done(false, 'review')).toBe(false);
    expect(done(true)).toBe(false);
  });

  it('knows the orchestrator and the task context', () => {
    expect(deriveCapabilities({ agentId: 'o', flags: {}, orchestratorAgentId: 'o', task: { status: 'inbox' } })).toMatchObject({
      isOrchestrator: true,
      hasTaskContext: true,
      taskStatus: 'inbox',
    });
    expect(deriveCapabilities({ agentId: 'a', flags: {}, orchestratorAgentId: null })).toMatchObject({ isOrchestrator: false, hasTaskContext: false });
  });

  it('derives from a delivery context, and offers nothing without an agent', () => {
    const ctx = {
      agent: { _id: 'a1' },
      task: { status: 'review' },
      orchestratorAgentId: 'o1',
      effectiveBehaviorFlags: { canMarkDone: true, canCreateDocuments: true },
    } as unknown as DeliveryContext;
    expect(capabilitiesFromDeliveryContext(ctx)).toMatchObject({ canMarkDone: true, isOrchestrator: false, hasTaskContext: true });
    const none = capabilitiesFromDeliveryContext({ ...ctx, agent: null });
    expect(none).toMatchObject({ hasTaskContext: false, canMarkDone: false, flags: { canModifyTaskStatus: false, canCreateDocuments: false } });
  });

  it('derives for heartbeats from an agent row', () => {
    const agent = { _id: 'o1', effectiveBehaviorFlags: { canCreateTasks: true } } as never;
    expect(capabilitiesForAgent(agent, 'o1')).toMatchObject({ isOrchestrator: true, hasTaskContext: false, flags: { canCreateTasks: true } });
  });
});
