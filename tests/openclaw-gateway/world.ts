/**
 * The world of the real-gateway suite: the embedded backend (a SQLite file seeded with the demo
 * account), the runtime as a real process (`mc-runtime start` with the default config, configured
 * by environment variables as an operator would), a real OpenClaw gateway started through
 * `openclaw/entrypoint.ts`, and the scripted model. Only the model is scripted.
 *
 * The gateway's config is the product's: profile sync (in the runtime) writes the workspaces and the
 * roster fragment; the entrypoint merges it over `openclaw/openclaw.base.json`. The test adds only
 * what an operator adds: an operator overlay (`OPENCLAW_OPERATOR_CONFIG`: the scripted provider and
 * default model), the port and bind (`OPENCLAW_GATEWAY_ARGS`) and the token (`OPENCLAW_GATEWAY_TOKEN`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLocalBackend, DEFAULT_DB_FILE } from '../../plugins/backend-local/index.ts';
import { seedDemoAccount, type SeedResult } from '../../plugins/backend-local/seed.ts';
import { withAccount } from '../../plugins/backend-local/admin.ts';
import type { Ctx } from '../../plugins/backend-local/model.ts';
import { BIN, REPO_ROOT } from '../support/cli.ts';
import { installGateway, OPENCLAW_VERSION, type InstalledGateway } from './install-gateway.ts';
import { eventually, runToEnd, spawnLogged, tail, type LoggedProcess } from './processes.ts';
import { freePort } from '../support/free-port.ts';
import { MODEL_ID, startScriptedModel, type ScriptedModel } from './scripted-model.ts';

/** Generous bounds for a loaded 2-core machine; they bound waiting, they are not performance claims. */
export const GATEWAY_READY_TIMEOUT_MS = 240_000;
export const TURN_TIMEOUT_MS = 240_000;
export const GATEWAY_START_ATTEMPTS = 3;

/** Operator settings of the runtime under test (env variables of the default config). */
export const RUNTIME_SETTINGS = {
  DELIVERY_INTERVAL: '1000',
  DELIVERY_BACKOFF_BASE_MS: '500',
  DELIVERY_BACKOFF_MAX_MS: '2000',
  DELIVERY_MAX_ATTEMPTS: '3',
  AGENT_SYNC_INTERVAL: '10000',
  HEARTBEAT_JITTER_MS: '1000',
} as const;

export interface MessageRow {
  id: string;
  author_type: string;
  author_id: string;
  content: string;
  created_at: number;
  source_notification_id: string | null;
}

export interface NotificationRow {
  id: string;
  type: string;
  recipient_id: string;
  task_id: string | null;
  message_id: string | null;
  read_at: number | null;
  delivered_at: number | null;
}

/** Reads (and, as the operator UI would, writes) the embedded backend's file while the runtime uses it. */
export class BackendView {
  readonly dbPath: string;
  readonly seed: SeedResult;
  constructor(dbPath: string, seed: SeedResult) {
    this.dbPath = dbPath;
    this.seed = seed;
  }
  write<T>(fn: (ctx: Ctx) => T): T {
    const conn = openLocalBackend(this.dbPath);
    try {
      return withAccount(conn.db, this.seed.accountId, 'write', fn);
    } finally {
      conn.close();
    }
  }
  #all<T>(sql: string, params: Record<string, string | number>): T[] {
    const conn = openLocalBackend(this.dbPath);
    try {
      return conn.db.all<T>(sql, params);
    } finally {
      conn.close();
    }
  }
  messages(taskId: string): MessageRow[] {
    return this.#all<MessageRow>(
      'SELECT id, author_type, author_id, content, created_at, source_notification_id FROM messages WHERE task_id = $t ORDER BY created_at, rowid',
      { t: taskId },
    );
  }
  agentMessages(taskId: string): MessageRow[] {
    return this.messages(taskId).filter((m) => m.author_type === 'agent');
  }
  task(taskId: string): { status: string; title: string } {
    return this.#all<{ status: string; title: string }>('SELECT status, title FROM tasks WHERE id = $t', { t: taskId })[0];
  }
  notifications(taskId: string): NotificationRow[] {
    return this.#all<NotificationRow>(
      'SELECT id, type, recipient_id, task_id, message_id, read_at, delivered_at FROM notifications WHERE task_id = $t ORDER BY created_at, rowid',
      { t: taskId },
    );
  }
  notification(id: string): NotificationRow | undefined {
    return this.#all<NotificationRow>('SELECT id, type, recipient_id, task_id, message_id, read_at, delivered_at FROM notifications WHERE id = $id', { id })[0];
  }
  documents(taskId: string): Array<{ id: string; title: string; content: string; author_id: string }> {
    return this.#all('SELECT id, title, content, author_id FROM documents WHERE task_id = $t AND deleted_at IS NULL ORDER BY created_at, rowid', { t: taskId });
  }
  agent(agentId: string): { slug: string; status: string; last_heartbeat: number | null } {
    return this.#all<{ slug: string; status: string; last_heartbeat: number | null }>('SELECT slug, status, last_heartbeat FROM agents WHERE id = $id', {
      id: agentId,
    })[0];
  }
}

export interface World {
  dir: string;
  gw: InstalledGateway;
  model: ScriptedModel;
  backend: BackendView;
  runtime: LoggedProcess;
  runtimeUrl: string;
  gateway: LoggedProcess;
  gatewayUrl: string;
  gatewayToken: string;
  /** The merged config the entrypoint writes and the gateway reads. */
  gatewayConfigPath: string;
  /** The roster fragment profile sync writes. */
  fragmentPath: string;
  logs: { runtime: string; gateway: string; model: string };
  /** Env of every `openclaw` command (validate, …) run against this gateway's config. */
  gatewayEnv: NodeJS.ProcessEnv;
  startGateway(): Promise<void>;
  /** Runs `mc-runtime <args>` against the runtime's data dir (e.g. `deliveries dead --json`). */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Runs `openclaw <args>` with the gateway's environment (e.g. `config validate`). */
  openclaw(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Runtime log lines as JSON objects. */
  runtimeLog(): Array<Record<string, unknown>>;
  report(scenario: string): string;
  stop(): Promise<void>;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

function operatorOverlay(model: ScriptedModel): Record<string, unknown> {
  return {
    models: {
      mode: 'merge',
      catalogRefresh: { enabled: false },
      providers: {
        scripted: {
          baseUrl: model.baseUrl,
          apiKey: 'scripted-local',
          api: 'openai-completions',
          models: [
            {
              id: MODEL_ID,
              name: 'Scripted Model',
              reasoning: false,
              input: ['text'],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 128000,
              maxTokens: 4096,
            },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: `scripted/${MODEL_ID}` } } },
  };
}

export async function startWorld(): Promise<World> {
  const gw = installGateway(OPENCLAW_VERSION);
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-real-gateway-'));
  const dataDir = path.join(dir, 'runtime-data');
  const workspace = path.join(dir, 'workspace');
  const gatewayHome = path.join(dir, 'gateway');
  for (const d of [dataDir, workspace, gatewayHome, path.join(gatewayHome, 'state'), path.join(gatewayHome, 'tmp'), path.join(dir, 'logs')]) mkdirSync(d, { recursive: true });
  const logs = { runtime: path.join(dir, 'logs', 'runtime.log'), gateway: path.join(dir, 'logs', 'gateway.log'), model: path.join(dir, 'logs', 'model.jsonl') };

  // The backend: the demo account (orion the orchestrator, engineer, qa). qa checks in every minute.
  const dbPath = path.join(dataDir, DEFAULT_DB_FILE);
  const seeding = openLocalBackend(dbPath);
  const seed = seedDemoAccount(seeding.db);
  seeding.close();
  const backend = new BackendView(dbPath, seed);
  backend.write((ctx) => ctx.db.run('UPDATE agents SET heartbeat_interval = 1 WHERE id = $id', { id: seed.agents.qa }));

  const model = await startScriptedModel({ logFile: logs.model });
  const [healthPort, gatewayPort] = [await freePort(), await freePort()];
  const gatewayToken = `real-gw-${Math.random().toString(36).slice(2)}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const runtimeUrl = `http://127.0.0.1:${healthPort}`;
  const fragmentPath = path.join(workspace, 'openclaw.json');
  const gatewayConfigPath = path.join(gatewayHome, 'openclaw.json');
  const operatorPath = path.join(gatewayHome, 'operator.json');
  writeJson(operatorPath, operatorOverlay(model));

  const runtimeEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    RUNTIME_DATA_DIR: dataDir,
    HEALTH_HOST: '127.0.0.1',
    HEALTH_PORT: String(healthPort),
    OPENCLAW_GATEWAY_URL: gatewayUrl,
    OPENCLAW_GATEWAY_TOKEN: gatewayToken,
    OPENCLAW_VERSION,
    OPENCLAW_PROFILE_SYNC: 'true',
    OPENCLAW_WORKSPACE_ROOT: path.join(workspace, 'agents'),
    ...RUNTIME_SETTINGS,
  };
  const runtime = spawnLogged('runtime', process.execPath, [BIN, 'start'], { env: runtimeEnv, cwd: REPO_ROOT, logFile: logs.runtime });

  const nodeDir = path.dirname(process.execPath);
  const gatewayEnv: NodeJS.ProcessEnv = {
    PATH: [path.dirname(gw.bin), nodeDir, process.env.PATH].join(path.delimiter),
    HOME: gatewayHome,
    TMPDIR: path.join(gatewayHome, 'tmp'),
    LANG: process.env.LANG,
    OPENCLAW_STATE_DIR: path.join(gatewayHome, 'state'),
    OPENCLAW_CONFIG_PATH: gatewayConfigPath,
    OPENCLAW_OPERATOR_CONFIG: operatorPath,
    MC_RUNTIME_FRAGMENT: fragmentPath,
    OPENCLAW_GATEWAY_TOKEN: gatewayToken,
    OPENCLAW_GATEWAY_ARGS: `gateway run --port ${gatewayPort} --bind loopback --auth token`,
    OPENCLAW_NO_AUTO_UPDATE: '1',
    OPENCLAW_DISABLE_BONJOUR: '1',
    DO_NOT_TRACK: '1',
  };

  const world: World = {
    dir,
    gw,
    model,
    backend,
    runtime,
    runtimeUrl,
    gateway: undefined as unknown as LoggedProcess,
    gatewayUrl,
    gatewayToken,
    gatewayConfigPath,
    fragmentPath,
    logs,
    gatewayEnv,
    async startGateway() {
      // Like a container's restart policy: a gateway that dies while starting (on a starved machine
      // OpenClaw 2026.9.6 gives up when its state lease is not ready within 5 s) is started again,
      // at most GATEWAY_START_ATTEMPTS times; then the start fails loudly.
      for (let attempt = 1; ; attempt++) {
        const proc = spawnLogged('gateway', process.execPath, [path.join(REPO_ROOT, 'openclaw', 'entrypoint.ts')], {
          env: gatewayEnv,
          cwd: gatewayHome,
          logFile: logs.gateway,
        });
        world.gateway = proc;
        let exited = false;
        void proc.exited.then(() => (exited = true));
        const ready = await eventually(
          `the gateway (pid ${proc.pid}) to answer GET /v1/models with 200`,
          async () => {
            if (exited) return 'exited';
            const res = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${gatewayToken}` }, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
            return res?.status === 200 ? 'ready' : undefined;
          },
          GATEWAY_READY_TIMEOUT_MS,
          500,
        );
        if (ready === 'ready') return;
        const why = `the gateway (pid ${proc.pid}) exited before it was ready (start attempt ${attempt} of ${GATEWAY_START_ATTEMPTS})`;
        if (attempt >= GATEWAY_START_ATTEMPTS) throw new Error(`${why}:\n${tail(logs.gateway, 30)}`);
        console.error(`real-gateway suite: ${why}; starting it again`);
      }
    },
    cli(args) {
      return runToEnd(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: runtimeEnv, timeoutMs: 120_000 });
    },
    openclaw(args) {
      return runToEnd(gw.bin, args, { cwd: gatewayHome, env: gatewayEnv, timeoutMs: 180_000 });
    },
    runtimeLog() {
      if (!existsSync(logs.runtime)) return [];
      return readFileSync(logs.runtime, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return {};
          }
        });
    },
    report(scenario) {
      return [
        `==================== real-gateway scenario failed: ${scenario}`,
        `(everything is kept in ${dir})`,
        '-------------------- runtime log (tail)',
        tail(logs.runtime, 40),
        '-------------------- gateway log (tail)',
        tail(logs.gateway, 40),
        '-------------------- model requests (tail)',
        tail(logs.model, 12)
          .split('\n')
          .map((l) => l.slice(0, 600))
          .join('\n'),
        '====================',
      ].join('\n');
    },
    async stop() {
      await Promise.all([world.gateway?.stop(), runtime.stop()]);
      await model.close();
    },
  };

  try {
    // Profile sync writes the roster before the gateway starts (in a container deployment the gateway
    // waits for the same file on the shared volume).
    await eventually(
      `the runtime (pid ${runtime.pid}) to write the roster fragment ${fragmentPath}`,
      () => {
        if (!runtime.running()) throw new Error(`the runtime exited:\n${tail(logs.runtime, 30)}`);
        const entries = existsSync(fragmentPath) ? Object.keys((JSON.parse(readFileSync(fragmentPath, 'utf8')) as { agents?: { entries?: object } }).agents?.entries ?? {}) : [];
        return ['engineer', 'orion', 'qa'].every((s) => entries.includes(s));
      },
      60_000,
    );
    await world.startGateway();
    await eventually(
      'the runtime to report ready (GET /readyz 200: backend and gateway reachable)',
      async () => (await fetch(`${runtimeUrl}/readyz`).catch(() => undefined))?.status === 200,
      60_000,
    );
  } catch (err) {
    // Nothing may outlive a failed start: stop what did start, by pid, then fail loudly.
    await world.stop().catch(() => undefined);
    throw new Error(`${(err as Error).message}\n${world.report('starting the world')}`);
  }
  return world;
}

/** Removes the world's temp dir (only after a fully green run; a failed run keeps it for inspection). */
export function removeWorldDir(world: World): void {
  rmSync(world.dir, { recursive: true, force: true });
}
