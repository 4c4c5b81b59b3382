/**
 * Agent runtime sessions: one open row per (agent, task) or per agent (system
 * session). Keys follow the hosted backend:
 * `task:{taskId}:agent:{slug}:{accountId}:v{n}` / `system:agent:{slug}:{accountId}:v{n}`,
 * where n is the previous generation plus one.
 */
import type { Agent } from '../../core/ports/domain.ts';
import { newId } from './ids.ts';
import type { Ctx } from './model.ts';

/** The open session key for `agent` (on `taskId`, or its system session), opening one if needed. */
export function ensureRuntimeSession(ctx: Ctx, agent: Agent, taskId?: string): string {
  const type = taskId ? 'task' : 'system';
  const open = ctx.db.get<{ session_key: string }>(
    `SELECT session_key FROM runtime_sessions
     WHERE account_id = $a AND agent_id = $agent AND session_type = $type AND task_id IS $task AND closed_at IS NULL
     ORDER BY generation DESC LIMIT 1`,
    { a: ctx.accountId, agent: agent._id, type, task: taskId },
  );
  if (open) return open.session_key;
  const last = ctx.db.get<{ g: number | null }>(
    `SELECT max(generation) AS g FROM runtime_sessions
     WHERE account_id = $a AND agent_id = $agent AND session_type = $type AND task_id IS $task`,
    { a: ctx.accountId, agent: agent._id, type, task: taskId },
  );
  const generation = (last?.g ?? 0) + 1;
  const key = taskId
    ? `task:${taskId}:agent:${agent.slug}:${ctx.accountId}:v${generation}`
    : `system:agent:${agent.slug}:${ctx.accountId}:v${generation}`;
  ctx.db.run(
    `INSERT INTO runtime_sessions (id, account_id, agent_id, session_type, task_id, agent_slug, generation, session_key, opened_at)
     VALUES ($id, $a, $agent, $type, $task, $slug, $g, $key, $now)`,
    { id: newId('sess'), a: ctx.accountId, agent: agent._id, type, task: taskId, slug: agent.slug, g: generation, key, now: ctx.now },
  );
  return key;
}

/** Closes every open session of a task (it was archived). */
export function closeTaskSessions(ctx: Ctx, taskId: string, reason: string): void {
  ctx.db.run(
    `UPDATE runtime_sessions SET closed_at = $now, closed_reason = $reason
     WHERE account_id = $a AND task_id = $task AND closed_at IS NULL`,
    { a: ctx.accountId, task: taskId, now: ctx.now, reason },
  );
}
