/**
 * The world a benchmarked runtime talks to, all in the bench process: the
 * embedded backend's service behind the Convex wire server (so every backend
 * call is real HTTP and counted) and the scripted OpenClaw gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startConvexWireServer, type ConvexWireServer } from '../../tests/support/convex-wire-server.ts';
import { startScriptedGateway, type ScriptedGateway, type ScriptedRequest } from '../../tests/support/scripted-gateway.ts';
import { openLocalBackend, type LocalBackend } from '../../plugins/backend-local/index.ts';
import { seedDemoAccount, type SeedResult } from '../../plugins/backend-local/seed.ts';
import { createAgent, updateAccountSettings, userCreateTask, withAccount } from '../../plugins/backend-local/admin.ts';

export interface GatewayHit {
  agentId: string;
  at: number;
}

export interface World {
  dir: string;
  seed: SeedResult;
  slugs: string[];
  wire: ConvexWireServer;
  gateway: ScriptedGateway;
  /** Every `/v1/responses` request, with its arrival time. */
  hits: GatewayHit[];
  /** Environment that points `config/default.json` at this world. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Creates one task per slug, each assigned to that agent; returns creation times by slug. */
  assign(slugs: string[]): number;
  /** Agent notifications not yet delivered / delivered; assignments not yet delivered. */
  undelivered(): number;
  undeliveredAssignments(): number;
  delivered(): number;
  /** Backend calls seen by the wire server so far (list polls separately). */
  backendCalls(): { total: number; listPolls: number };
  close(): Promise<void>;
}

export interface WorldOptions {
  agents: number;
  /** Gateway latency per agent slug (ms). */
  delayMs: (slug: string) => number;
}

export async function createWorld(options: WorldOptions): Promise<World> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-bench-'));
  const backend: LocalBackend = openLocalBackend(path.join(dir, 'backend.sqlite'));
  const seed = seedDemoAccount(backend.db);
  const ids = new Map<string, string>();
  const slugs = withAccount(backend.db, seed.accountId, 'write', (ctx) => {
    // Without an orchestrator: it is subscribed to every task, so each worker reply would add a
    // thread update for it. The bench measures N assignments → N notifications, as issue 12 does.
    updateAccountSettings(ctx, { orchestratorAgentId: undefined });
    return Array.from({ length: options.agents }, (_, i) => {
      const slug = `worker-${i}`;
      createAgent(ctx, { name: `Worker ${i}`, slug, role: 'Engineer' });
      return slug;
    });
  });
  const agentRows = withAccount(backend.db, seed.accountId, 'read', (ctx) =>
    ctx.db.all<{ id: string; slug: string }>('SELECT id, slug FROM agents WHERE account_id = $a', { a: ctx.accountId }),
  );
  for (const row of agentRows) ids.set(row.slug, row.id);
  const wire = await startConvexWireServer({ service: backend.service });
  const hits: GatewayHit[] = [];
  const gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa', ...slugs] });
  // Workers answer their assignments; anyone else (the demo agents) stays silent at once, which
  // posts nothing, so no reply chain starts.
  gateway.setDefault((req: ScriptedRequest) => {
    hits.push({ agentId: req.agentId, at: Date.now() });
    if (!req.agentId.startsWith('worker-')) return { text: 'NOTHING_TO_ADD' };
    return { text: `${req.agentId} acknowledges.`, delayMs: options.delayMs(req.agentId) };
  });
  const count = (sql: string) =>
    withAccount(backend.db, seed.accountId, 'read', (ctx) => ctx.db.all<{ n: number }>(sql, { a: ctx.accountId })[0].n);
  return {
    dir,
    seed,
    slugs,
    wire,
    gateway,
    hits,
    env: (extra = {}) => ({
      ACCOUNT_ID: seed.accountId,
      CONVEX_URL: wire.url,
      SERVICE_TOKEN: seed.serviceToken,
      OPENCLAW_GATEWAY_URL: gateway.url,
      RUNTIME_DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'info',
      ...extra,
    }),
    assign(forSlugs) {
      const at = Date.now();
      withAccount(backend.db, seed.accountId, 'write', (ctx) => {
        forSlugs.forEach((slug, i) => userCreateTask(ctx, seed.userId, { title: `Bench task ${i} for ${slug}`, assignedAgentIds: [ids.get(slug)!] }));
      });
      return at;
    },
    undelivered: () => count("SELECT count(*) AS n FROM notifications WHERE account_id = $a AND recipient_type = 'agent' AND delivered_at IS NULL"),
    undeliveredAssignments: () =>
      count("SELECT count(*) AS n FROM notifications WHERE account_id = $a AND recipient_type = 'agent' AND type = 'assignment' AND delivered_at IS NULL"),
    delivered: () => count("SELECT count(*) AS n FROM notifications WHERE account_id = $a AND recipient_type = 'agent' AND delivered_at IS NOT NULL"),
    backendCalls: () => ({ total: wire.requests.length, listPolls: wire.requests.filter((r) => /listUndelivered/i.test(r.fn ?? r.path ?? '')).length }),
    async close() {
      await gateway.close();
      await wire.close();
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
