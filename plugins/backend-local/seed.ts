/**
 * The demo account: an orchestrator (Orion, `orion`), an engineer (`engineer`),
 * a QA agent (`qa`) and one user. Idempotent: seeding again returns the
 * existing demo account and its stored service token.
 */
import { createAccount, createAgent, createUser, firstUser, storedServiceToken, withAccount } from './admin.ts';
import type { Db } from './db.ts';

export const DEMO_ACCOUNT_SLUG = 'demo';

export interface SeedResult {
  accountId: string;
  serviceToken: string;
  userId: string;
  agents: { orion: string; engineer: string; qa: string };
  created: boolean;
}

export function seedDemoAccount(db: Db, now: () => number = Date.now): SeedResult {
  const existing = db.get<{ id: string }>('SELECT id FROM accounts WHERE slug = $slug', { slug: DEMO_ACCOUNT_SLUG });
  if (existing) {
    const agentIds = new Map(
      db.all<{ id: string; slug: string }>('SELECT id, slug FROM agents WHERE account_id = $a', { a: existing.id }).map((r) => [r.slug, r.id]),
    );
    return {
      accountId: existing.id,
      serviceToken: storedServiceToken(db, existing.id) ?? '',
      userId: withAccount(db, existing.id, 'read', (ctx) => firstUser(ctx)?.id ?? ''),
      agents: { orion: agentIds.get('orion') ?? '', engineer: agentIds.get('engineer') ?? '', qa: agentIds.get('qa') ?? '' },
      created: false,
    };
  }
  const { accountId, serviceToken } = createAccount(db, { name: 'Demo', slug: DEMO_ACCOUNT_SLUG }, now());
  return withAccount(
    db,
    accountId,
    'write',
    (ctx) => {
      const userId = createUser(ctx, { name: 'Dana', email: 'dana@example.com' });
      const orion = createAgent(ctx, {
        name: 'Orion',
        slug: 'orion',
        role: 'Squad Lead',
        description: 'Orchestrator: triages, assigns and follows up on tasks.',
        orchestrator: true,
        openclawConfig: { behaviorFlags: { canCreateTasks: true, canReviewTasks: true } },
      });
      const engineer = createAgent(ctx, { name: 'Ada', slug: 'engineer', role: 'Software Engineer', description: 'Builds features and fixes bugs.' });
      const qa = createAgent(ctx, {
        name: 'Quinn',
        slug: 'qa',
        role: 'QA Engineer',
        description: 'Reviews work and marks tasks done.',
        openclawConfig: { behaviorFlags: { canReviewTasks: true, canMarkDone: true } },
      });
      return { accountId, serviceToken, userId, agents: { orion, engineer, qa }, created: true };
    },
    now,
  );
}
