/**
 * End-to-end delivery harness: a real kernel with the embedded backend on a
 * temp SQLite file, the real gateway client against the scripted gateway, the
 * policy, the agent tools and the delivery loop. The test acts as the user on
 * the same database file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SeedResult } from '../../plugins/backend-local/seed.ts';
import type { Ctx } from '../../plugins/backend-local/model.ts';
import type { Clock } from '../../core/clock.ts';
import { userCreateTask, userPostMessage } from '../../plugins/backend-local/admin.ts';
import { seededDb } from '../support/seeded-db.ts';
import { DeliveryStore } from '../../plugins/delivery/store.ts';
import { startScriptedGateway, type ScriptedGateway } from '../support/scripted-gateway.ts';
import { createTestKernel, type TestKernel, type TestPluginEntry } from '../support/test-kernel.ts';
import { BackendService } from '../../core/services.ts';
import type { BackendPort } from '../../core/ports/backend.ts';
import type { ThreadItem } from '../../core/ports/domain.ts';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { openLocalBackend } from '../../plugins/backend-local/index.ts';
import { createLocalPort } from '../../plugins/backend-local/port.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const TOOL_PLUGINS = ['tools-task', 'tools-collab', 'tools-orchestrator'].filter((id) => existsSync(path.join(REPO, 'plugins', id, 'index.ts')));

export interface Harness {
  dir: string;
  dbPath: string;
  seed: SeedResult;
  gateway: ScriptedGateway;
  t: TestKernel;
  backend: BackendPort;
  /** A second kernel on the same files (restart), optionally with other delivery options. */
  restart(delivery?: Record<string, unknown>): Promise<void>;
  createTask(title: string, assignee?: 'engineer' | 'qa' | 'orion'): string;
  /** Runs `fn` in a write transaction on the demo account (operator/user actions). */
  write<T>(fn: (ctx: Ctx) => T): T;
  postMessage(taskId: string, content: string): string;
  thread(taskId: string): Promise<ThreadItem[]>;
  undelivered(): Promise<number>;
  store(): DeliveryStore;
  close(): Promise<void>;
}

export interface HarnessOptions {
  delivery?: Record<string, unknown>;
  /** Replace the backend plugin (fault injection); it must provide `backend`. */
  backendPlugin?: (dbPath: string, seed: SeedResult) => TestPluginEntry;
  extraPlugins?: TestPluginEntry[];
  runtime?: Record<string, unknown>;
  /** Clock handed to the kernel (a FakeClock drives the poll schedule). */
  clock?: Clock;
  /** Options of the gateway plugin over the harness defaults. */
  gateway?: Record<string, unknown>;
  /** Bearer token the scripted gateway requires and the runtime sends. */
  gatewayToken?: string;
  /** Wrap the embedded backend's port (delays, faults, spies); ignored with `backendPlugin`. */
  wrapBackend?: (port: BackendPort) => BackendPort;
}

/** The embedded backend on `dbPath`, its port passed through `wrap` (fault injection, spies). */
export function wrappedLocalBackend(dbPath: string, seed: SeedResult, wrap: (port: BackendPort) => BackendPort): TestPluginEntry {
  return {
    plugin: definePlugin({
      id: 'wrapped-backend',
      version: '1',
      provides: ['backend'],
      configSchema: Type.Object({}),
      register(api) {
        const local = openLocalBackend(dbPath);
        const port = createLocalPort(local.service, { accountId: seed.accountId, serviceToken: seed.serviceToken });
        api.provide(BackendService, wrap(port));
        return { stop: () => local.close() };
      },
    }),
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = seededDb('mc-delivery-');
  const { dir, dbPath, seed } = db;
  const gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa'], token: options.gatewayToken });
  // Agents not scripted by a test decline politely (thread updates to the orchestrator, say).
  gateway.setDefault({ text: 'NOTHING_TO_ADD' });

  const build = async () => {
    const t = await createTestKernel({
      runtime: { dataDir: dir, shutdownTimeoutMs: 5000, ...options.runtime },
      plugins: [
        options.backendPlugin
          ? options.backendPlugin(dbPath, seed)
          : options.wrapBackend
            ? wrappedLocalBackend(dbPath, seed, options.wrapBackend)
            : { use: 'backend-local', options: { path: dbPath } },
        { use: 'gateway-openclaw', options: { url: gateway.url, ...(options.gatewayToken ? { token: options.gatewayToken } : {}), requestTimeoutMs: 5000, probeIntervalMs: 200, downRetryMinMs: 100, ...options.gateway } },
        { use: 'delivery-policy' },
        ...TOOL_PLUGINS.map((use) => ({ use })),
        ...(options.extraPlugins ?? []),
        { use: 'delivery', options: withoutUndefined({ intervalMs: 1000, backoffBaseMs: 100, backoffMaxMs: 400, maxAttempts: 3, runTimeoutMs: 3000, ...options.delivery }) },
      ],
      clock: options.clock,
    });
    await t.kernel.start();
    return t;
  };

  const h: Harness = {
    dir,
    dbPath,
    seed,
    gateway,
    t: await build(),
    get backend() {
      return h.t.kernel.services.get(BackendService)!;
    },
    async restart(delivery) {
      await h.t.kernel.stop('restart');
      if (delivery) options = { ...options, delivery: { ...options.delivery, ...delivery } };
      h.t = await build();
    },
    createTask(title, assignee) {
      return db.write((ctx) => userCreateTask(ctx, seed.userId, { title, assignedAgentIds: assignee ? [seed.agents[assignee]] : [] }));
    },
    write: (fn) => db.write(fn),
    postMessage(taskId, content) {
      return db.write((ctx) => userPostMessage(ctx, seed.userId, taskId, content));
    },
    async thread(taskId) {
      return (await h.backend.loadTaskDetailsForAgentTool({ agentId: seed.agents.orion, taskId, messageLimit: 200 })).thread;
    },
    async undelivered() {
      return (await h.backend.listUndeliveredNotifications({ limit: 500 })).length;
    },
    store() {
      return new DeliveryStore(path.join(dir, 'delivery.sqlite'));
    },
    async close() {
      await h.t.kernel.stop('test done');
      await gateway.close();
    },
  };
  return h;
}

/** `{ intervalMs: undefined }` in a test's options removes the harness default (adaptive polling). */
function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const agentMessages = (thread: ThreadItem[]) => thread.filter((m) => m.authorType === 'agent');
