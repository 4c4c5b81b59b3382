/**
 * What to do about a pending upgrade. Pure, so every branch is tested without
 * a process to exit.
 *
 * The runtime cannot swap its own image: an upgrade exit only helps when a
 * supervisor (Compose pull + up, a fleet agent) runs the new image on restart.
 * So the runtime exits once per pending upgrade; if it comes back on the same
 * versions it says so (degraded) instead of exiting again, which is what made
 * the original restart every tick for 30 minutes.
 */
import type { PendingUpgrade } from '../../core/ports/domain.ts';
import type { RuntimeIdentity } from '../runtime-info/service.ts';

export type UpgradeMode = 'exit' | 'off';

/** What the state file remembers about the upgrade this runtime last exited for. */
export interface ActedUpgrade {
  key: string;
  targetRuntimeVersion: string;
  targetOpenclawVersion: string;
  fromRuntimeVersion: string;
  fromOpenclawVersion: string | null;
  exitedAt: number;
}

export type UpgradeDecision =
  | { action: 'none'; reason: 'no pending upgrade' | 'already at target versions' }
  | { action: 'ignore'; reason: string }
  | { action: 'blocked'; reason: string }
  | { action: 'exit'; reason: string };

/** Identifies one pending upgrade: a new request (even to the same versions) has a new initiatedAt. */
export function upgradeKey(p: PendingUpgrade): string {
  return `${p.initiatedAt}:${p.targetRuntimeVersion}:${p.targetOpenclawVersion}`;
}

export function atTarget(p: PendingUpgrade, id: RuntimeIdentity): boolean {
  return p.targetRuntimeVersion === id.runtimeVersion && p.targetOpenclawVersion === id.openclawVersion;
}

export function describeTarget(p: Pick<PendingUpgrade, 'targetRuntimeVersion' | 'targetOpenclawVersion'>): string {
  return `runtime ${p.targetRuntimeVersion} / openclaw ${p.targetOpenclawVersion}`;
}

export function decideUpgrade(pending: PendingUpgrade | null, id: RuntimeIdentity, acted: ActedUpgrade | undefined, mode: UpgradeMode): UpgradeDecision {
  if (!pending) return { action: 'none', reason: 'no pending upgrade' };
  if (atTarget(pending, id)) return { action: 'none', reason: 'already at target versions' };
  const target = describeTarget(pending);
  if (pending.strategy !== 'immediate') {
    return { action: 'ignore', reason: `${pending.strategy} upgrade to ${target} is run by the fleet tooling, not by the runtime` };
  }
  if (mode === 'off') return { action: 'ignore', reason: `UPGRADE_MODE=off: not acting on the upgrade to ${target}` };
  if (acted?.key === upgradeKey(pending)) {
    return {
      action: 'blocked',
      reason:
        `exited for the upgrade to ${target} at ${new Date(acted.exitedAt).toISOString()}, but still runs runtime ${id.runtimeVersion} / openclaw ${id.openclawVersion ?? 'unknown'}: ` +
        'the supervisor restarted the same image; not exiting again for this upgrade',
    };
  }
  return { action: 'exit', reason: `upgrade to ${target} requested by ${pending.initiatedBy}` };
}
