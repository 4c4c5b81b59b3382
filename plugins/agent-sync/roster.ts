/**
 * Roster diffing for agent-sync: which agents appeared, disappeared or changed
 * in a way the rest of the runtime cares about (session key, flags, heartbeat
 * cadence, gateway config, naming, and the profile profile-sync writes for the
 * gateway: SOUL, IDENTITY, USER and skill contents). Status and lastHeartbeat
 * are deliberately ignored: they change on every heartbeat and would make every
 * sync "changed".
 */
import { nodeCrypto } from '../../core/lazy-crypto.ts';
import type { AgentWithSession, Id, RuntimeAgentProfile } from '../../core/ports/domain.ts';

export interface RosterDiff {
  added: Id[];
  removed: Id[];
  changed: Id[];
}

/** A stable fingerprint of the fields that matter; key order of nested objects does not count. */
export function fingerprint(agent: AgentWithSession, profile?: RuntimeAgentProfile): string {
  return stableStringify([
    agent.slug,
    agent.name,
    agent.systemSessionKey,
    agent.effectiveBehaviorFlags,
    agent.heartbeatInterval,
    agent.openclawConfig ?? null,
    profile ? profilePrint(profile) : null,
  ]);
}

/** Digest of the workspace files' sources (documents can be long; the roster keeps only this). */
export function profilePrint(profile: RuntimeAgentProfile): string {
  const text = stableStringify([profile.effectiveSoulContent, profile.effectiveIdentityContent, profile.effectiveUserMd, profile.resolvedSkills, profile.role]);
  return nodeCrypto().createHash('sha256').update(text).digest('base64url');
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v ?? null)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Fingerprints by agent id, the state kept between syncs. */
export type Roster = Map<Id, string>;

export function toRoster(agents: AgentWithSession[], profiles: RuntimeAgentProfile[] = []): Roster {
  const byId = new Map(profiles.map((p) => [p._id, p]));
  return new Map(agents.map((a) => [a._id, fingerprint(a, byId.get(a._id))]));
}

export function diffRoster(previous: Roster, next: Roster): RosterDiff {
  const added: Id[] = [];
  const changed: Id[] = [];
  for (const [id, print] of next) {
    const before = previous.get(id);
    if (before === undefined) added.push(id);
    else if (before !== print) changed.push(id);
  }
  const removed = [...previous.keys()].filter((id) => !next.has(id));
  return { added, removed, changed };
}

export function isEmptyDiff(diff: RosterDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}
