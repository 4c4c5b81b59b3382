import { describe, expect, it } from 'vitest';
import type { PendingUpgrade } from '../../core/ports/domain.ts';
import type { RuntimeIdentity } from '../runtime-info/service.ts';
import { decideUpgrade, upgradeKey, type ActedUpgrade } from './decide.ts';

const id: RuntimeIdentity = { runtimeVersion: '1.2.3', openclawVersion: '2026.9.6', dropletId: 'd', ipAddress: undefined, region: undefined };
const pending = (over: Partial<PendingUpgrade> = {}): PendingUpgrade => ({
  targetRuntimeVersion: '1.3.0',
  targetOpenclawVersion: '2026.9.6',
  initiatedAt: 1_700_000_000_000,
  initiatedBy: 'ops@example.com',
  strategy: 'immediate',
  ...over,
});
const acted = (p: PendingUpgrade): ActedUpgrade => ({
  key: upgradeKey(p),
  targetRuntimeVersion: p.targetRuntimeVersion,
  targetOpenclawVersion: p.targetOpenclawVersion,
  fromRuntimeVersion: '1.2.3',
  fromOpenclawVersion: '2026.9.6',
  exitedAt: 1_700_000_100_000,
});

describe('decideUpgrade', () => {
  it('does nothing without a pending upgrade or when already at the targets', () => {
    expect(decideUpgrade(null, id, undefined, 'exit')).toEqual({ action: 'none', reason: 'no pending upgrade' });
    expect(decideUpgrade(pending({ targetRuntimeVersion: '1.2.3' }), id, undefined, 'exit')).toEqual({ action: 'none', reason: 'already at target versions' });
  });

  it('exits for an immediate upgrade whose targets differ (either version)', () => {
    expect(decideUpgrade(pending(), id, undefined, 'exit').action).toBe('exit');
    expect(decideUpgrade(pending({ targetRuntimeVersion: '1.2.3', targetOpenclawVersion: '2026.10.1' }), id, undefined, 'exit').action).toBe('exit');
  });

  it('treats an unknown OpenClaw version as different (the state file still prevents a loop)', () => {
    const unknown = { ...id, openclawVersion: undefined };
    const p = pending({ targetRuntimeVersion: '1.2.3' });
    expect(decideUpgrade(p, unknown, undefined, 'exit').action).toBe('exit');
    expect(decideUpgrade(p, unknown, acted(p), 'exit').action).toBe('blocked');
  });

  it('does not exit twice for the same pending upgrade', () => {
    const p = pending();
    const d = decideUpgrade(p, id, acted(p), 'exit');
    expect(d.action).toBe('blocked');
    expect(d.reason).toMatch(/still runs runtime 1\.2\.3 \/ openclaw 2026\.9\.6/);
  });

  it('acts again on a new request, even to the same versions (a retry after fixing the image)', () => {
    const first = pending();
    expect(decideUpgrade(pending({ initiatedAt: first.initiatedAt + 60_000 }), id, acted(first), 'exit').action).toBe('exit');
  });

  it('leaves rolling and canary upgrades to the fleet tooling, and obeys UPGRADE_MODE=off', () => {
    expect(decideUpgrade(pending({ strategy: 'rolling' }), id, undefined, 'exit')).toMatchObject({ action: 'ignore', reason: expect.stringMatching(/^rolling upgrade/) });
    expect(decideUpgrade(pending({ strategy: 'canary' }), id, undefined, 'exit').action).toBe('ignore');
    expect(decideUpgrade(pending(), id, undefined, 'off')).toMatchObject({ action: 'ignore', reason: expect.stringMatching(/UPGRADE_MODE=off/) });
  });
});
