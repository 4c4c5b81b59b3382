/**
 * Agent reads and heartbeats: #6 listAgents, #7 getOrchestratorAgentId,
 * #8 listAgentsForRuntime, #11 updateAgentHeartbeat, #29 getAgentSkillsForTool.
 */
import type { AgentSkillsRow, AgentStatus, AgentWithSession, ResolvedSkill, RuntimeAgentProfile } from '../../core/ports/domain.ts';
import { logActivity } from './activities.ts';
import { compact } from './db.ts';
import { effectiveFlags, getAgent, getTask, listAccountAgents, loadAccount, type Ctx } from './model.ts';
import { ensureRuntimeSession } from './sessions.ts';

/** Every agent with its system session key (opened on demand) and effective flags. */
export function listAgents(ctx: Ctx): AgentWithSession[] {
  const account = loadAccount(ctx);
  return listAccountAgents(ctx).map((agent) => ({
    ...agent,
    systemSessionKey: ensureRuntimeSession(ctx, agent),
    effectiveBehaviorFlags: effectiveFlags(account, agent),
  }));
}

export function getOrchestratorAgentId(ctx: Ctx): { orchestratorAgentId: string | null } {
  return { orchestratorAgentId: loadAccount(ctx).settings.orchestratorAgentId ?? null };
}

export function defaultSoul(name: string, role: string): string {
  return [
    `# SOUL — ${name}`,
    '',
    `You are ${name}, the team's ${role}.`,
    '',
    '- Work on the tasks you are assigned; keep the task thread up to date.',
    '- Be concise and concrete; say what you did and what is next.',
    '- Ask for help in the thread when you are blocked, and mark the task blocked with a reason.',
    '- Never force-push, rewrite shared history or delete branches you did not create.',
  ].join('\n');
}

const DEFAULT_USER_MD = '# USER\n\nThe team you work with uses Mission Control to assign tasks and review results.';

function defaultIdentity(name: string, role: string): string {
  return `# IDENTITY\n\n- Name: ${name}\n- Role: ${role}`;
}

interface SkillRow {
  id: string;
  account_id: string;
  name: string;
  slug: string;
  description: string | null;
  content_markdown: string | null;
  is_enabled: number;
}

export function listAgentsForRuntime(ctx: Ctx): RuntimeAgentProfile[] {
  const account = loadAccount(ctx);
  return listAccountAgents(ctx).map((agent) => {
    const skills: ResolvedSkill[] = [];
    for (const skillId of agent.openclawConfig?.skillIds ?? []) {
      const row = ctx.db.get<SkillRow>('SELECT * FROM skills WHERE id = $id', { id: skillId });
      // Only enabled skills of this account; others are silently left out.
      if (!row || row.account_id !== ctx.accountId || !row.is_enabled) continue;
      skills.push(
        compact<ResolvedSkill>({
          _id: row.id,
          name: row.name,
          slug: row.slug,
          description: row.description,
          contentMarkdown: row.content_markdown,
        }),
      );
    }
    const profile: RuntimeAgentProfile = {
      _id: agent._id,
      name: agent.name,
      slug: agent.slug,
      role: agent.role,
      effectiveSoulContent: agent.soulContent ?? defaultSoul(agent.name, agent.role),
      effectiveUserMd: account.settings.userMd ?? DEFAULT_USER_MD,
      effectiveIdentityContent: agent.identityContent ?? defaultIdentity(agent.name, agent.role),
      resolvedSkills: skills,
    };
    if (agent.openclawConfig) profile.openclawConfig = agent.openclawConfig;
    return profile;
  });
}

export function updateAgentHeartbeat(
  ctx: Ctx,
  args: { agentId: string; status: AgentStatus; currentTaskId?: string },
): { success: boolean; timestamp: number } {
  const agent = getAgent(ctx, args.agentId);
  if (args.currentTaskId !== undefined) getTask(ctx, args.currentTaskId);
  ctx.db.run('UPDATE agents SET status = $status, current_task_id = $task, last_heartbeat = $now WHERE id = $id', {
    id: agent._id,
    status: args.status,
    task: args.currentTaskId,
    now: ctx.now,
  });
  if (agent.status !== args.status) {
    logActivity(ctx, { type: 'agent', id: agent._id, name: agent.name }, 'agent_status_changed', { type: 'agent', id: agent._id, name: agent.name }, {
      from: agent.status,
      to: args.status,
    });
  }
  return { success: true, timestamp: ctx.now };
}

/** Skill ids per agent; `lastUpdated` is the last heartbeat (hosted-backend behaviour), as ISO text. */
export function getAgentSkillsForTool(ctx: Ctx, args: { agentId: string; queryAgentId?: string }): AgentSkillsRow[] {
  getAgent(ctx, args.agentId);
  const agents = args.queryAgentId !== undefined ? [getAgent(ctx, args.queryAgentId, 'Queried agent')] : listAccountAgents(ctx);
  return agents.map((a) => {
    const skillIds = a.openclawConfig?.skillIds ?? [];
    return {
      agentId: a.slug || a._id,
      skillIds,
      skillCount: skillIds.length,
      lastUpdated: new Date(a.lastHeartbeat ?? a._creationTime ?? 0).toISOString(),
    };
  });
}
