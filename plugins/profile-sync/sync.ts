/**
 * One profile sync: materialise every agent's workspace and write the
 * openclaw.json roster. Files are only written when their bytes change.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RuntimeAgentProfile } from '../../core/ports/domain.ts';
import { createIfMissing, readIfExists, writeIfChanged } from './files.ts';
import { SAFE_SLUG, agentDir, isSymlink, resolveInside } from './paths.ts';
import { agentFiles, mapModel, mergeConfig, openclawFragment, skillMarkdown, type RosterEntry } from './render.ts';

export interface SyncSettings {
  workspaceRoot: string;
  gatewayWorkspaceRoot: string;
  configPath: string;
  agentsMd: string;
  modelMap: Readonly<Record<string, string>>;
  logger: Logger;
}

export interface SyncResult {
  /** Files written (created or replaced) in this sync. */
  written: string[];
  /** Slugs refused by the path guard. */
  skipped: string[];
  /** Directories under the root with no agent behind them (left in place). */
  orphans: string[];
  configChanged: boolean;
}

const MEMORY_STUB = '# MEMORY\n\nLasting notes for yourself. Keep them short and current.\n';

export async function syncProfiles(profiles: RuntimeAgentProfile[], s: SyncSettings): Promise<SyncResult> {
  const result: SyncResult = { written: [], skipped: [], orphans: [], configChanged: false };
  const roster: RosterEntry[] = [];
  const write = async (file: string, content: string) => {
    if (await writeIfChanged(file, content)) result.written.push(file);
  };

  for (const profile of profiles) {
    const dir = agentDir(s.workspaceRoot, profile.slug);
    if (!dir || (await isSymlink(dir))) {
      s.logger.warn({ agentId: profile._id, slug: profile.slug }, 'agent slug is not a safe directory name (or is a symlink); workspace not synced');
      result.skipped.push(profile.slug);
      continue;
    }
    for (const [name, content] of Object.entries({ ...agentFiles(profile), 'AGENTS.md': s.agentsMd })) {
      await write(path.join(dir, name), content);
    }
    const skills: string[] = [];
    for (const skill of profile.resolvedSkills) {
      if (!skill.contentMarkdown) continue;
      const file = SAFE_SLUG.test(skill.slug) ? resolveInside(dir, 'skills', skill.slug, 'SKILL.md') : undefined;
      if (!file) {
        s.logger.warn({ agentId: profile._id, skill: skill.slug }, 'skill slug is not a safe directory name; skill not materialised');
        continue;
      }
      const { content, name } = skillMarkdown(skill);
      await write(file, content);
      skills.push(name);
    }
    // Memory belongs to the agent once created: never overwritten.
    if (await createIfMissing(path.join(dir, 'MEMORY.md'), MEMORY_STUB)) result.written.push(path.join(dir, 'MEMORY.md'));
    if (await createIfMissing(path.join(dir, 'memory', 'README.md'), '# Daily notes go here, one file per day.\n')) {
      result.written.push(path.join(dir, 'memory', 'README.md'));
    }
    const model = mapModel(profile.openclawConfig?.model, s.modelMap);
    if (profile.openclawConfig?.model && !model) {
      s.logger.debug({ slug: profile.slug, model: profile.openclawConfig.model }, 'no OpenClaw mapping for model; gateway default applies');
    }
    roster.push({ slug: profile.slug, name: profile.name, ...(model ? { model } : {}), skills });
  }

  result.configChanged = await writeConfig(roster, s, result);
  result.orphans = await orphanDirs(s.workspaceRoot, new Set(profiles.map((p) => p.slug)));
  return result;
}

async function writeConfig(roster: RosterEntry[], s: SyncSettings, result: SyncResult): Promise<boolean> {
  const current = await readIfExists(s.configPath);
  let existing: Record<string, unknown> | undefined;
  if (current) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(current.toString('utf8'));
    } catch {
      // JSON5 comments or a broken edit: replacing it would lose the operator's settings.
      throw new Error(`${s.configPath} is not plain JSON; not overwriting it`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${s.configPath} is not a JSON object; not overwriting it`);
    existing = parsed as Record<string, unknown>;
  }
  const content = mergeConfig(existing, openclawFragment(roster, s.gatewayWorkspaceRoot));
  if (!(await writeIfChanged(s.configPath, content))) return false;
  result.written.push(s.configPath);
  return true;
}

async function orphanDirs(root: string, slugs: Set<string>): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !slugs.has(e.name)).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
