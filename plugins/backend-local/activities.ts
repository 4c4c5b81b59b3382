/** The activity log (task history, runtime status changes). */
import type { ActivityItem } from '../../core/ports/domain.ts';
import { compact, json } from './db.ts';
import { newId } from './ids.ts';
import type { Ctx } from './model.ts';

export interface Actor {
  type: 'agent' | 'user' | 'system' | 'runtime';
  id: string;
  name: string;
}

export function logActivity(
  ctx: Ctx,
  actor: Actor,
  type: string,
  target: { type: string; id: string; name?: string },
  meta?: Record<string, unknown>,
): void {
  ctx.db.run(
    `INSERT INTO activities (id, account_id, type, actor_type, actor_id, actor_name, target_type, target_id, target_name, meta, created_at)
     VALUES ($id, $a, $type, $at, $aid, $an, $tt, $tid, $tn, $meta, $now)`,
    {
      id: newId('act'),
      a: ctx.accountId,
      type,
      at: actor.type,
      aid: actor.id,
      an: actor.name,
      tt: target.type,
      tid: target.id,
      tn: target.name,
      meta: meta ? JSON.stringify(meta) : undefined,
      now: ctx.now,
    },
  );
}

interface ActivityRow {
  type: string;
  actor_type: string;
  actor_id: string;
  actor_name: string;
  target_type: string;
  target_id: string;
  target_name: string | null;
  meta: string | null;
  created_at: number;
}

/** Activities about one target, newest first. */
export function listActivities(ctx: Ctx, targetId: string, limit: number): ActivityItem[] {
  if (limit <= 0) return [];
  return ctx.db
    .all<ActivityRow>(
      `SELECT * FROM activities WHERE account_id = $a AND target_id = $t ORDER BY created_at DESC, rowid DESC LIMIT $limit`,
      { a: ctx.accountId, t: targetId, limit },
    )
    .map((r) =>
      compact<ActivityItem>({
        type: r.type,
        actorType: r.actor_type,
        actorId: r.actor_id,
        actorName: r.actor_name,
        targetType: r.target_type,
        targetId: r.target_id,
        targetName: r.target_name,
        meta: json(r.meta),
        createdAt: r.created_at,
      }),
    );
}
