import { describe, expect, it } from 'vitest';
import type { AgentWithSession } from '../../core/ports/domain.ts';
import { diffRoster, fingerprint, toRoster } from './roster.ts';

const agent = (id: string, patch: Partial<AgentWithSession> = {}): AgentWithSession =>
  ({
    _id: id,
    accountId: 'acc',
    name: id,
    slug: id,
    role: 'engineer',
    status: 'online',
    heartbeatInterval: 15,
    systemSessionKey: `agent:${id}:system`,
    effectiveBehaviorFlags: { canCreateTasks: true },
    ...patch,
  }) as AgentWithSession;

describe('roster diff', () => {
  it('reports added, removed and changed ids', () => {
    const before = toRoster([agent('a'), agent('b'), agent('c')]);
    const after = toRoster([agent('a'), agent('b', { heartbeatInterval: 5 }), agent('d')]);
    expect(diffRoster(before, after)).toEqual({ added: ['d'], removed: ['c'], changed: ['b'] });
  });

  it('ignores status and heartbeat timestamps, and key order in nested config', () => {
    const a = agent('a', { openclawConfig: { model: 'x', temperature: 1 } });
    const b = agent('a', { status: 'busy', lastHeartbeat: 123, openclawConfig: { temperature: 1, model: 'x' } });
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('counts a changed session key, name or flag as a change', () => {
    const base = fingerprint(agent('a'));
    expect(fingerprint(agent('a', { systemSessionKey: 'agent:a:system:2' }))).not.toBe(base);
    expect(fingerprint(agent('a', { name: 'Alpha' }))).not.toBe(base);
    expect(fingerprint(agent('a', { effectiveBehaviorFlags: { canCreateTasks: false } as AgentWithSession['effectiveBehaviorFlags'] }))).not.toBe(base);
  });
});
