/**
 * The chaos rig: a real `mc-runtime start` child process on a seeded account,
 * either on the embedded backend (the SQLite file) or on the Convex adapter in
 * front of the Convex wire server (same SQLite file, served over HTTP from
 * the test process, with injectable faults), and a scripted gateway whose
 * default answer names the notification it answers.
 *
 * `audit()` reads the backend file directly and checks the three invariants of
 * every chaos case: no notification lost (all delivered), no thread message
 * duplicated (one agent reply per notification, no repeated content), and the
 * attempts the runtime spent, parsed from its log, per notification.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, NODE, REPO_ROOT, childEnv } from '../support/cli.ts';
import { startScriptedGateway, type ScriptedGateway, type ScriptedRequest, type Reply } from '../support/scripted-gateway.ts';
import { startConvexWireServer, type ConvexWireServer, type WireFault, type WireRequest } from '../support/convex-wire-server.ts';
import { seededDb, type SeededDb } from '../support/seeded-db.ts';
import { openLocalBackend, type LocalBackend } from '../../plugins/backend-local/index.ts';
import { userCreateTask } from '../../plugins/backend-local/admin.ts';
import { freePort } from '../support/free-port.ts';

export type BackendKind = 'local' | 'convex';

export interface RigOptions {
  backend: BackendKind;
  delivery?: Record<string, unknown>;
  gateway?: Record<string, unknown>;
  /** Options of backend-convex (convex rigs). */
  convex?: Record<string, unknown>;
  statusReport?: Record<string, unknown>;
  /** Data dir (default: `<tmp>/data`). */
  dataDir?: string;
  /** Wraps the command (e.g. to run it in a namespace): returns [file, args]. */
  wrap?: (cmd: string[]) => [string, string[]];
  env?: Record<string, string>;
}

export interface RuntimeProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Writes a line to the child's stdin (used by wrappers). */
  send(line: string): void;
}

export const NOTIFICATION_LINE = /Notification ID: (\S+)/;

/** The notification a gateway request is about (from the input's last line). */
export function notificationOf(req: { userText?: string; body?: { input?: unknown } }): string | undefined {
  return NOTIFICATION_LINE.exec(req.userText ?? inputText(req.body?.input))?.[1];
}

function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  return input
    .map((item: { type?: string; role?: string; content?: unknown }) => {
      if (item?.type !== 'message' || item.role !== 'user') return '';
      if (typeof item.content === 'string') return item.content;
      return Array.isArray(item.content) ? item.content.map((p: { text?: string }) => p?.text ?? '').join('') : '';
    })
    .join('\n');
}

/** Notifications the scripted agents answered with a reply (which must reach the thread once). */
export const replied = new Set<string>();

/**
 * The default agent answer: assignments get a reply unique per notification (so a
 * duplicate is visible in the thread); everything else is declined, so replies do
 * not set off an endless chain of thread updates between agents.
 */
export function replyFor(req: ScriptedRequest): Reply {
  const id = notificationOf(req);
  if (!id || !/## Notification: assignment/.test(req.userText ?? '')) return { text: 'NOTHING_TO_ADD' };
  replied.add(id);
  return { text: `Reply for ${id}` };
}


export interface LogLine {
  msg?: string;
  level?: number;
  notificationId?: string;
  failure?: string;
  attempt?: number;
  [k: string]: unknown;
}

export function parseLog(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const raw of output.split('\n')) {
    if (!raw.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(raw) as LogLine);
    } catch {
      // a line cut by SIGKILL
    }
  }
  return lines;
}

export interface Audit {
  notifications: number;
  undelivered: string[];
  /** Notifications with more than one agent reply sourced from them. */
  duplicateReplies: string[];
  /** Agent messages whose content appears more than once in one task. */
  duplicateContent: string[];
  /** Notifications answered with a reply but with no reply in the thread. */
  missingReplies: string[];
}

export class Rig {
  readonly db: SeededDb;
  readonly gateway: ScriptedGateway;
  readonly options: RigOptions;
  readonly configFile: string;
  readonly dataDir: string;
  readonly healthPort: number;
  wire: ConvexWireServer | undefined;
  #wireBackend: LocalBackend | undefined;
  /** Fault injected into every Convex wire request while set. */
  fault: ((req: WireRequest) => WireFault | undefined) | undefined;
  readonly processes: RuntimeProcess[] = [];
  /** Log of every process started, in order (kept after exit). */
  readonly logs: string[] = [];

  private constructor(db: SeededDb, gateway: ScriptedGateway, options: RigOptions, healthPort: number) {
    this.db = db;
    this.gateway = gateway;
    this.options = options;
    this.healthPort = healthPort;
    this.dataDir = options.dataDir ?? path.join(db.dir, 'data');
    this.configFile = path.join(db.dir, 'runtime.json');
  }

  static async create(options: RigOptions): Promise<Rig> {
    const db = seededDb(`mc-chaos-${options.backend}-`);
    const gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa'] });
    gateway.setDefault(replyFor);
    const rig = new Rig(db, gateway, options, await freePort());
    if (options.backend === 'convex') {
      rig.#wireBackend = openLocalBackend(db.dbPath, { busyTimeoutMs: 5000 });
      const service = rig.#wireBackend.service;
      rig.wire = await startConvexWireServer({ service, intercept: (req) => rig.fault?.(req) });
    }
    rig.#writeConfig();
    return rig;
  }

  #writeConfig(file = this.configFile, dataDir = this.dataDir, healthPort = this.healthPort): void {
    const o = this.options;
    const backend = o.backend === 'local' ? { use: 'backend-local', options: { path: this.db.dbPath } } : { use: 'backend-convex', options: { requestTimeoutMs: 2_000, retries: 1, ...o.convex } };
    const config = {
      runtime: { dataDir, shutdownTimeoutMs: 5_000 },
      plugins: [
        { use: 'http', options: { port: healthPort } },
        'runtime-info',
        backend,
        { use: 'gateway-openclaw', options: { url: this.gateway.url, probeIntervalMs: 500, downRetryMinMs: 100, requestTimeoutMs: 30_000, ...o.gateway } },
        { use: 'health', options: { readinessCacheMs: 0 } },
        'metrics',
        'delivery-policy',
        'tools-task',
        'tools-collab',
        'tools-orchestrator',
        { use: 'delivery', options: { intervalMs: 1_000, backoffBaseMs: 200, backoffMaxMs: 2_000, maxAttempts: 50, runTimeoutMs: 20_000, ...o.delivery } },
        { use: 'status-report', options: { initialGraceMs: 0, intervalMs: 1_000, ...o.statusReport } },
      ],
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
  }

  /** A second runtime on the same account with its own data dir and port (what the data dir lock cannot prevent). */
  async startPeer(): Promise<{ proc: RuntimeProcess; healthPort: number }> {
    const healthPort = await freePort();
    const file = path.join(this.db.dir, 'peer.json');
    this.#writeConfig(file, path.join(this.db.dir, 'peer-data'), healthPort);
    return { proc: await this.start(file), healthPort };
  }

  get env(): Record<string, string> {
    const seed = this.db.seed;
    const convex: Record<string, string> = this.wire ? { ACCOUNT_ID: seed.accountId, CONVEX_URL: this.wire.url, SERVICE_TOKEN: seed.serviceToken } : {};
    return { ...convex, ...this.options.env };
  }

  /** Starts a runtime process (resolves once it logged "runtime started"). */
  async start(configFile = this.configFile): Promise<RuntimeProcess> {
    const cmd = [NODE, BIN, 'start', '--config', configFile];
    const [file, args] = this.options.wrap ? this.options.wrap(cmd) : [cmd[0], cmd.slice(1)];
    const child = spawn(file, args, { cwd: REPO_ROOT, env: childEnv(this.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const index = this.logs.push('') - 1;
    const listeners: Array<() => void> = [];
    const onData = (d: Buffer) => {
      this.logs[index] += d.toString();
      listeners.forEach((l) => l());
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const proc: RuntimeProcess = {
      child,
      exited,
      output: () => this.logs[index],
      send: (line) => child.stdin!.write(line + '\n'),
      waitFor: (pattern, timeoutMs = 60_000) =>
        new Promise((resolve, reject) => {
          const check = () => {
            const m = pattern.exec(this.logs[index]);
            if (m) {
              clearTimeout(timer);
              resolve(m[0]);
            }
          };
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${this.logs[index].slice(-4000)}`)), timeoutMs);
          listeners.push(check);
          void exited.then(() => {
            clearTimeout(timer);
            if (!pattern.exec(this.logs[index])) reject(new Error(`process exited before ${pattern}; output:\n${this.logs[index].slice(-4000)}`));
          });
          check();
        }),
    };
    this.processes.push(proc);
    await proc.waitFor(/"msg":"runtime started"/, 120_000);
    return proc;
  }

  /** Creates `count` tasks assigned to engineer / qa alternately (one assignment notification each). */
  createWork(count: number, tag = 'work'): string[] {
    const { seed } = this.db;
    return this.db.write((ctx) =>
      Array.from({ length: count }, (_, i) =>
        userCreateTask(ctx, seed.userId, { title: `${tag} ${i}`, assignedAgentIds: [i % 2 === 0 ? seed.agents.engineer : seed.agents.qa] }),
      ),
    );
  }

  /** What a failed wait shows: the audit, the delivery plugin's /health status, the last log lines. */
  async explain(): Promise<unknown> {
    const health = await this.health().catch((err: unknown) => ({ status: 0, body: { error: String(err) } as Record<string, unknown> }));
    const plugins = (health.body.plugins as { id: string; status?: unknown }[] | undefined) ?? [];
    return {
      audit: this.audit(),
      health: { status: health.body.status ?? health.body.error, delivery: plugins.find((p) => p.id === 'delivery')?.status, checks: health.body.checks },
      log: (this.logs.at(-1) ?? '').split('\n').filter((l) => !/probe/.test(l)).slice(-25),
    };
  }

  async health(port = this.healthPort): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Agent notifications and agent thread messages, read from the backend file. */
  audit(): Audit {
    const conn = openLocalBackend(this.db.dbPath, { busyTimeoutMs: 5000 });
    try {
      const notes = conn.db.all<{ id: string; delivered_at: number | null }>(`SELECT id, delivered_at FROM notifications WHERE recipient_type = 'agent'`);
      const messages = conn.db.all<{ task_id: string; content: string; source_notification_id: string | null }>(
        `SELECT task_id, content, source_notification_id FROM messages WHERE author_type = 'agent'`,
      );
      const bySource = new Map<string, number>();
      const byContent = new Map<string, number>();
      for (const m of messages) {
        if (m.source_notification_id) bySource.set(m.source_notification_id, (bySource.get(m.source_notification_id) ?? 0) + 1);
        const key = `${m.task_id}\u0000${m.content}`;
        byContent.set(key, (byContent.get(key) ?? 0) + 1);
      }
      return {
        notifications: notes.length,
        undelivered: notes.filter((n) => n.delivered_at === null).map((n) => n.id),
        duplicateReplies: [...bySource].filter(([, n]) => n > 1).map(([id]) => id),
        duplicateContent: [...byContent].filter(([, n]) => n > 1).map(([k]) => k.split('\u0000')[1]),
        missingReplies: notes.filter((n) => n.delivered_at !== null && replied.has(n.id) && !bySource.has(n.id)).map((n) => n.id),
      };
    } finally {
      conn.close();
    }
  }

  /** `delivery failed` lines of every process, by notification. */
  failures(): Map<string, LogLine[]> {
    const out = new Map<string, LogLine[]>();
    for (const line of this.logs.flatMap(parseLog)) {
      if (line.msg !== 'delivery failed' || !line.notificationId) continue;
      out.set(line.notificationId, [...(out.get(line.notificationId) ?? []), line]);
    }
    return out;
  }

  /** Gateway requests per notification, by answer status (0 = never answered). */
  gatewayAnswers(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const r of this.gateway.responsesRequests()) {
      const id = notificationOf(r);
      if (id) out.set(id, [...(out.get(id) ?? []), r.status]);
    }
    return out;
  }

  async stopAll(): Promise<void> {
    for (const p of this.processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }
  }

  async close(): Promise<void> {
    await this.stopAll();
    await this.gateway.close();
    await this.wire?.close();
    this.#wireBackend?.close();
  }
}

/** Polls until `fn` is true; throws with `describe()` after `timeoutMs`. */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => unknown = () => ''): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(await describe())}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
