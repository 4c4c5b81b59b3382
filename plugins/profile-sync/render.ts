/**
 * Pure rendering for profile sync: workspace file contents, SKILL.md front
 * matter and the openclaw.json roster in the 2026.9.x format.
 */
import type { ResolvedSkill, RuntimeAgentProfile } from '../../core/ports/domain.ts';

export const DEFAULT_MODEL_MAP: Readonly<Record<string, string>> = Object.freeze({
  'minimax-m2.5': 'minimax/minimax-m2.5',
  'claude-haiku-4.5': 'anthropic/claude-haiku-4.5',
  'kimi-k2.5': 'moonshotai/kimi-k2.5',
  'gpt-5-nano': 'openai/gpt-5-nano',
});

/** Backend model name → OpenClaw model id; undefined (gateway default applies) when unknown. */
export function mapModel(model: string | undefined, map: Readonly<Record<string, string>>): string | undefined {
  return model && Object.hasOwn(map, model) ? map[model] : undefined;
}

const withNewline = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);

/** The bootstrap files OpenClaw injects (besides AGENTS.md, which is shared). */
export function agentFiles(profile: RuntimeAgentProfile): Record<'SOUL.md' | 'USER.md' | 'IDENTITY.md', string> {
  return {
    'SOUL.md': withNewline(profile.effectiveSoulContent),
    'USER.md': withNewline(profile.effectiveUserMd),
    'IDENTITY.md': withNewline(profile.effectiveIdentityContent),
  };
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/;
const MAX_DESCRIPTION = 200;

/**
 * SKILL.md with YAML front matter holding `name` and `description` (OpenClaw
 * lists a skill only with both). Existing keys win; missing ones are added.
 * Returns the content and the skill's name as OpenClaw will know it.
 */
export function skillMarkdown(skill: ResolvedSkill): { content: string; name: string } {
  const body = skill.contentMarkdown ?? '';
  const description = (skill.description?.trim() || skill.name).replace(/\s+/g, ' ').slice(0, MAX_DESCRIPTION);
  const match = FRONT_MATTER.exec(body);
  const lines = match ? match[1]!.split(/\r?\n/) : [];
  const valueOf = (key: string) => {
    const line = lines.find((l) => new RegExp(`^${key}\\s*:`).test(l));
    return line?.slice(line.indexOf(':') + 1).trim().replace(/^["']|["']$/g, '');
  };
  const existingName = valueOf('name');
  const added: string[] = [];
  if (!existingName) added.push(`name: ${skill.slug}`);
  // JSON strings are valid YAML double-quoted scalars, so quoting cannot break the front matter.
  if (!valueOf('description')) added.push(`description: ${JSON.stringify(description)}`);
  const rest = match ? body.slice(match[0].length) : body;
  const header = ['---', ...added, ...lines, '---'].join('\n');
  return { content: withNewline(`${header}\n${rest}`), name: existingName || skill.slug };
}

export interface RosterEntry {
  slug: string;
  name: string;
  model?: string;
  /** Skill names materialised under this agent's workspace. */
  skills: string[];
}

/**
 * The openclaw.json fragment: `agents.entries` keyed by slug with explicit
 * ownership (2026.9.x rejects a multi-agent roster without it), bootstrap
 * templates off (we write those files), and skill directories loaded through
 * `skills.load.extraDirs`. Keys are sorted so output is stable across syncs.
 */
export function openclawFragment(roster: RosterEntry[], gatewayRoot: string): Record<string, unknown> {
  const root = gatewayRoot.replace(/\/+$/, '');
  const sorted = [...roster].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const entries: Record<string, unknown> = {};
  for (const agent of sorted) {
    entries[agent.slug] = { name: agent.name, workspace: `${root}/${agent.slug}`, ...(agent.model ? { model: agent.model } : {}) };
  }
  const fragment: Record<string, unknown> = { agents: { ownership: 'explicit', defaults: { skipBootstrap: true }, entries } };
  const withSkills = sorted.filter((a) => a.skills.length > 0);
  if (withSkills.length > 0) {
    const names = [...new Set(withSkills.flatMap((a) => a.skills))].sort();
    fragment.skills = {
      load: { extraDirs: withSkills.map((a) => `${root}/${a.slug}/skills`) },
      entries: Object.fromEntries(names.map((n) => [n, { enabled: true }])),
    };
  }
  return fragment;
}

/**
 * Merges the fragment into an existing config: `agents` and `skills` are ours
 * and replaced whole; every other top-level key (gateway, models, …) is the
 * operator's and kept as is.
 */
export function mergeConfig(existing: Record<string, unknown> | undefined, fragment: Record<string, unknown>): string {
  const merged: Record<string, unknown> = { ...(existing ?? {}) };
  delete merged.agents;
  delete merged.skills;
  Object.assign(merged, fragment);
  return `${JSON.stringify(merged, null, 2)}\n`;
}
