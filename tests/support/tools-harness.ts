/**
 * A running kernel with the agent tools for tests: http (port 0), the embedded
 * backend on a temp SQLite file (demo account: orion = orchestrator, engineer,
 * qa), the three tool plugins and agent-http, plus a probe plugin whose API
 * builds the executor exactly as the delivery loop does.
 *
 *   const h = await startToolsHarness();
 *   const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
 *   await h.callFunction({ agent: 'engineer', taskId, tool: 'task_status', args: { status: 'review' } });
 *   await h.callHttp({ agent: 'engineer', taskId, tool: 'task_status', args: { status: 'review' } });
 *   await h.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import { definePlugin, type PluginApi } from '../../core/plugin.ts';
import { BackendService, HttpServiceRef, RunTokensRef } from '../../core/services.ts';
import type { BackendPort } from '../../core/ports/backend.ts';
import type { AgentWithSession, TaskStatus } from '../../core/ports/domain.ts';
import type { RunTokenService } from '../../core/ports/run-tokens.ts';
import { capabilitiesForAgent } from '../../core/tools/capabilities.ts';
import { createToolExecutor, type ToolCallContext, type ToolExecution, type ToolExecutor } from '../../core/tools/executor.ts';
import { toolHttpPath, type AgentCapabilities } from '../../core/tools/registry.ts';
import { openLocalBackend } from '../../plugins/backend-local/index.ts';
import { firstUser, userCreateTask, withAccount } from '../../plugins/backend-local/admin.ts';
import { createTestKernel, type TestKernel, type TestPluginEntry } from './test-kernel.ts';

export type Slug = 'orion' | 'engineer' | 'qa';

export interface CapabilityOverrides extends Partial<Omit<AgentCapabilities, 'flags'>> {
  flags?: Partial<AgentCapabilities['flags']>;
}

/** One tool call: who, in which run (task in context), what. */
export interface Call {
  agent: Slug;
  /** The run's task (context); omitted = a run without a task. */
  taskId?: string;
  tool: string;
  args: unknown;
  /** Capabilities different from what the backend says (stale claims, agents configured otherwise). */
  capabilities?: CapabilityOverrides;
  /** Pretend the caller is an agent the backend does not know. */
  agentIdOverride?: string;
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export interface ToolsHarness extends TestKernel {
  backend: BackendPort;
  executor: ToolExecutor;
  tokens: RunTokenService;
  app: FastifyInstance;
  api: PluginApi;
  agents: Record<Slug, AgentWithSession>;
  /** How often a tool woke the delivery loop. */
  notifyWorkCount(): number;
  createTask(input?: { title?: string; status?: TaskStatus; assignees?: Slug[]; description?: string }): Promise<string>;
  context(call: Omit<Call, 'tool' | 'args'>): Promise<ToolCallContext>;
  token(call: Omit<Call, 'tool' | 'args'>, ttlMs?: number): Promise<string>;
  callFunction(call: Call): Promise<ToolExecution>;
  callHttp(call: Call, options?: { remoteAddress?: string; headers?: Record<string, string> }): Promise<HttpAnswer>;
  post(url: string, payload: string | object | undefined, options?: { token?: string; headers?: Record<string, string>; remoteAddress?: string }): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface ToolsHarnessOptions {
  agentHttp?: Record<string, unknown>;
  /** More plugins (e.g. a custom tool), loaded after the built-in ones. */
  extraPlugins?: TestPluginEntry[];
  /** Config dir for `use` paths of extra plugins (default repo root). */
  configDir?: string;
  env?: Record<string, string | undefined>;
}

export async function startToolsHarness(options: ToolsHarnessOptions = {}): Promise<ToolsHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-tools-'));
  const dbPath = path.join(dir, 'backend.sqlite');
  let probeApi: PluginApi | undefined;
  const probe = definePlugin({
    id: 'tools-probe',
    version: '0.0.0',
    dependsOn: ['backend'],
    configSchema: Type.Object({}, { additionalProperties: false }),
    register(api) {
      probeApi = api;
    },
  });
  const t = await createTestKernel({
    plugins: [
      { use: 'http', options: { port: 0 } },
      { use: 'backend-local', options: { path: dbPath } },
      { use: 'tools-task' },
      { use: 'tools-collab' },
      { use: 'tools-orchestrator' },
      { use: 'agent-http', options: options.agentHttp ?? {} },
      { plugin: probe },
      ...(options.extraPlugins ?? []),
    ],
    runtime: { dataDir: dir },
    configDir: options.configDir,
    env: options.env,
    logLevel: 'info',
  });
  await t.kernel.start();
  const api = probeApi!;
  const backend = t.kernel.services.get(BackendService)!;
  const http = t.kernel.services.get(HttpServiceRef)!;
  const tokens = t.kernel.services.get(RunTokensRef)!;
  let notified = 0;
  const executor = createToolExecutor({ tools: api.tools, hooks: api.hooks, backend, logger: api.logger, metrics: api.metrics });
  const roster = await backend.listAgents();
  const agents = Object.fromEntries(roster.map((a) => [a.slug, a])) as Record<Slug, AgentWithSession>;
  const { orchestratorAgentId } = await backend.getOrchestratorAgentId();
  // A second connection to the same file: the user side of the embedded backend.
  const admin = openLocalBackend(dbPath);
  const accountId = roster[0].accountId;
  const userId = withAccount(admin.db, accountId, 'read', (ctx) => firstUser(ctx)!.id);

  async function context(call: Omit<Call, 'tool' | 'args'>): Promise<ToolCallContext> {
    const agent = agents[call.agent];
    const task = call.taskId ? (await backend.loadTaskDetailsForAgentTool({ agentId: agent._id, taskId: call.taskId, messageLimit: 1 })).task : null;
    const base = capabilitiesForAgent(agent, orchestratorAgentId, task);
    const o = call.capabilities ?? {};
    const capabilities: AgentCapabilities = { ...base, ...o, flags: { ...base.flags, ...o.flags } };
    return {
      subject: { agentId: call.agentIdOverride ?? agent._id, agentSlug: agent.slug, taskId: call.taskId, via: 'gateway' },
      capabilities,
      notifyWork: () => {
        notified += 1;
      },
    };
  }

  async function post(url: string, payload: string | object | undefined, o: { token?: string; headers?: Record<string, string>; remoteAddress?: string } = {}) {
    const res = await http.app.inject({
      method: 'POST',
      url,
      payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers: { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
      ...(o.remoteAddress ? { remoteAddress: o.remoteAddress } : {}),
    });
    let body: Record<string, unknown>;
    try {
      body = res.json();
    } catch {
      body = { raw: res.body };
    }
    return { status: res.statusCode, body, headers: res.headers as Record<string, unknown> };
  }

  async function token(call: Omit<Call, 'tool' | 'args'>, ttlMs?: number): Promise<string> {
    const ctx = await context(call);
    return tokens.issue(
      { agentId: ctx.subject.agentId, agentSlug: ctx.subject.agentSlug, taskId: ctx.subject.taskId, capabilities: ctx.capabilities },
      ttlMs,
    );
  }

  return {
    ...t,
    backend,
    executor,
    tokens,
    app: http.app,
    api,
    agents,
    notifyWorkCount: () => notified,
    async createTask(input = {}) {
      return withAccount(admin.db, accountId, 'write', (ctx) =>
        userCreateTask(ctx, userId, {
          title: input.title ?? 'A task',
          description: input.description,
          status: input.status,
          assignedAgentIds: (input.assignees ?? []).map((s) => agents[s]._id),
        }),
      );
    },
    context,
    token,
    async callFunction(call) {
      return executor.execute(await context(call), call.tool, call.args);
    },
    async callHttp(call, o = {}) {
      return post(toolHttpPath(call.tool), call.args as object, { token: await token(call), ...o });
    },
    post,
    async close() {
      await t.kernel.stop('test done');
      admin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
