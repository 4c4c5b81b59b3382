/**
 * Test harness for heartbeat end-to-end tests: a real kernel with the embedded
 * backend on a temp SQLite file, the real gateway client against the scripted
 * gateway, the agent tools and the heartbeat plugin. Extra plugins (a test
 * agent-turns provider, say) and a clock can be added.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import type { HeartbeatEvent } from '../../core/hooks.ts';
import { BackendService } from '../../core/services.ts';
import type { BackendPort } from '../../core/ports/backend.ts';
import type { AgentWithSession } from '../../core/ports/domain.ts';
import type { Clock } from '../../core/clock.ts';
import { openLocalBackend } from '../backend-local/index.ts';
import { seedDemoAccount, type SeedResult } from '../backend-local/seed.ts';
import { userCreateTask, withAccount } from '../backend-local/admin.ts';
import { startScriptedGateway, type ScriptedGateway } from '../../tests/support/scripted-gateway.ts';
import { createTestKernel, type TestKernel, type TestPluginEntry } from '../../tests/support/test-kernel.ts';
import { eventually } from '../../tests/delivery/harness.ts';
import heartbeat from './index.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const TOOL_PLUGINS = ['tools-task', 'tools-collab', 'tools-orchestrator'].filter((id) => existsSync(path.join(REPO, 'plugins', id, 'index.ts')));

export interface HeartbeatEnv {
  seed: SeedResult;
  dbPath: string;
  gateway: ScriptedGateway;
  t: TestKernel;
  events: HeartbeatEvent[];
  /** Fires onAgentsChanged as agent-sync would. */
  agentsChanged(agents: AgentWithSession[]): Promise<void>;
  backend: BackendPort;
  createTask(title: string, assignee: 'engineer' | 'qa'): string;
  /** Writes an agent's lastHeartbeat straight into the database (before start). */
  setLastHeartbeat(agent: 'orion' | 'engineer' | 'qa', at: number | null): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface HeartbeatEnvOptions {
  heartbeat?: Record<string, unknown>;
  /** Placed before the heartbeat plugin. */
  plugins?: TestPluginEntry[];
  clock?: Clock;
  shutdownTimeoutMs?: number;
}

export async function setupHeartbeatEnv(options: HeartbeatEnvOptions = {}): Promise<HeartbeatEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-heartbeat-'));
  const dbPath = path.join(dir, 'mc.sqlite');
  const seeding = openLocalBackend(dbPath);
  const seed = seedDemoAccount(seeding.db);
  seeding.close();
  const gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa'] });
  gateway.setDefault({ text: 'HEARTBEAT_OK' });
  const events: HeartbeatEvent[] = [];
  let fire: ((agents: AgentWithSession[]) => Promise<void>) | undefined;
  const recorder = definePlugin({
    id: 'hb-recorder',
    version: '0.0.0',
    configSchema: Type.Object({}, { additionalProperties: false }),
    register(api) {
      api.hooks.onHeartbeat.tap((e) => {
        events.push(e);
      });
      fire = (agents) => api.hooks.onAgentsChanged.call({ agents, added: [], removed: [], changed: [] });
    },
  });
  const heartbeatOptions: Record<string, unknown> = { intervalOverrideMs: 300, jitterMs: 0, runTimeoutMs: 20_000, ...options.heartbeat };
  for (const [k, v] of Object.entries(heartbeatOptions)) if (v === undefined) delete heartbeatOptions[k];
  const t = await createTestKernel({
    runtime: { dataDir: dir, shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000 },
    clock: options.clock,
    plugins: [
      { use: 'backend-local', options: { path: dbPath } },
      { use: 'gateway-openclaw', options: { url: gateway.url, requestTimeoutMs: 20_000, probeIntervalMs: 200, probeTimeoutMs: 20_000, downRetryMinMs: 100 } },
      ...TOOL_PLUGINS.map((use) => ({ use })),
      { plugin: recorder },
      ...(options.plugins ?? []),
      { plugin: heartbeat, options: heartbeatOptions },
    ],
  });
  const withDb = <T>(fn: (db: ReturnType<typeof openLocalBackend>['db']) => T): T => {
    const b = openLocalBackend(dbPath);
    try {
      return fn(b.db);
    } finally {
      b.close();
    }
  };
  return {
    seed,
    dbPath,
    gateway,
    t,
    events,
    agentsChanged: (agents) => fire!(agents),
    get backend() {
      return t.kernel.services.get(BackendService)!;
    },
    createTask: (title, assignee) =>
      withDb((db) => withAccount(db, seed.accountId, 'write', (ctx) => userCreateTask(ctx, seed.userId, { title, assignedAgentIds: [seed.agents[assignee]] }))),
    setLastHeartbeat: (agent, at) => withDb((db) => db.run('UPDATE agents SET last_heartbeat = $at WHERE id = $id', { at, id: seed.agents[agent] })),
    start: () => t.kernel.start(),
    async close() {
      await t.kernel.stop('test done');
      await gateway.close();
    },
  };
}

export const heartbeatsOf = (env: HeartbeatEnv, slug: string) => env.events.filter((x) => x.agentSlug === slug);
export const nthHeartbeat = (env: HeartbeatEnv, slug: string, n = 1) => eventually(() => heartbeatsOf(env, slug)[n - 1], 20_000, `${slug} heartbeat ${n}`);
