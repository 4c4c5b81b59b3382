import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin, type PluginApi } from '../plugin.ts';
import { BackendService } from '../services.ts';
import { BackendError, type BackendPort } from '../ports/backend.ts';
import type { AgentWithSession } from '../ports/domain.ts';
import type { ToolCallOutcomeEvent } from '../hooks.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { createToolExecutor, type ToolCallContext, type ToolExecutor } from './executor.ts';
import { defineTool, type AgentCapabilities } from './registry.ts';
import { forbidden, invalidArgument } from './errors.ts';
import { deriveCapabilities } from './capabilities.ts';
import { StringEnum, withEnum } from './helpers.ts';

const empty = Type.Object({}, { additionalProperties: false });

/** A backend whose listAgents is counted; every other function is unused here. */
function fakeBackend(calls: { listAgents: number }): BackendPort {
  const agents = [
    { _id: 'a1', slug: 'engineer' },
    { _id: 'a2', slug: 'QA' },
  ] as AgentWithSession[];
  return new Proxy({} as BackendPort, {
    get: (_t, name) =>
      name === 'listAgents'
        ? async () => {
            calls.listAgents += 1;
            return agents;
          }
        : async () => {
            throw new Error(`unexpected backend call ${String(name)}`);
          },
  });
}

const modeSchema = Type.Object({ mode: StringEnum(['fine', 'special']), text: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false });

const tools = [
  defineTool({
    name: 'echo',
    description: 'Echoes text',
    capability: 'echo text',
    parameters: modeSchema,
    // `special` only for agents that may create documents (stands in for a gated enum value).
    parametersFor: (ctx) => (ctx.capabilities.flags.canCreateDocuments ? modeSchema : withEnum(modeSchema, 'mode', ['fine'])),
    availability: () => true,
    execute: async (_ctx, p) => ({ success: true, echoed: p.text ?? '', mode: p.mode }),
  }),
  defineTool({
    name: 'trouble',
    description: 'Fails in the way it is asked to',
    capability: 'fail on purpose',
    parameters: Type.Object({ how: Type.String() }, { additionalProperties: false }),
    availability: (ctx) => ctx.capabilities.isOrchestrator,
    async execute(ctx, p) {
      switch (p.how) {
        case 'throw':
          throw new Error('kaboom with secret detail');
        case 'garbage':
          return 'nope' as never;
        case 'unavailable':
          throw new BackendError('unavailable', 'listAgents', 'connect ECONNREFUSED');
        case 'rejected':
          throw new BackendError('rejected', 'getTaskForAgentTool', 'Not found: task x', { code: 'not_found' });
        case 'forbidden':
          throw forbidden('not yours');
        case 'argument':
          throw invalidArgument('how', 'how is strange');
        case 'slugs': {
          const first = await ctx.resolveAgentSlugs(['@engineer', 'qa', 'ghost']);
          const second = await ctx.resolveAgentSlugs(['engineer']);
          return { success: true, first, second };
        }
        case 'soft':
          return { success: false, error: 'declined\n  politely' };
        default:
          return { success: true };
      }
    },
  }),
  defineTool({
    name: 'broken_gate',
    description: 'Its availability rule throws',
    capability: 'never offered',
    parameters: empty,
    availability: () => {
      throw new Error('bad rule');
    },
    execute: async () => ({ success: true }),
  }),
];

interface Setup {
  t: TestKernel;
  api: PluginApi;
  executor: ToolExecutor;
  calls: { listAgents: number };
  outcomes: ToolCallOutcomeEvent[];
}

let current: TestKernel | undefined;
afterEach(async () => {
  await current?.kernel.stop();
  current = undefined;
});

async function setup(hookPlugin?: (api: PluginApi) => void): Promise<Setup> {
  const calls = { listAgents: 0 };
  const outcomes: ToolCallOutcomeEvent[] = [];
  let captured: PluginApi | undefined;
  const plugins = [
    { plugin: definePlugin({ id: 'fake-backend', version: '0', provides: ['backend'], configSchema: empty, register: (api) => api.provide(BackendService, fakeBackend(calls)) }) },
    { plugin: definePlugin({ id: 'test-tools', version: '0', dependsOn: ['backend'], configSchema: empty, register: (api) => tools.forEach((tool) => api.tools.register(tool)) }) },
    {
      plugin: definePlugin({
        id: 'observer',
        version: '0',
        dependsOn: ['backend'],
        configSchema: empty,
        register(api) {
          captured = api;
          api.hooks.afterToolCall.tap((e) => {
            outcomes.push(e);
          });
          hookPlugin?.(api);
        },
      }),
    },
  ];
  const t = await createTestKernel({ plugins, logLevel: 'debug' });
  current = t;
  await t.kernel.start();
  const api = captured!;
  const executor = createToolExecutor({ tools: api.tools, hooks: api.hooks, backend: api.use(BackendService), logger: api.logger, metrics: api.metrics });
  return { t, api, executor, calls, outcomes };
}

function ctx(capabilities: Partial<AgentCapabilities> = {}, flags: Record<string, boolean> = {}): ToolCallContext {
  const base = deriveCapabilities({ agentId: 'a1', flags: { canCreateDocuments: true, ...flags }, orchestratorAgentId: 'a1' });
  return { subject: { agentId: 'a1', agentSlug: 'engineer', via: 'gateway' }, capabilities: { ...base, ...capabilities } };
}

describe('tool executor', () => {
  it('derives flat function tools and capability lines from the registry, for what is offered here', async () => {
    const { executor } = await setup();
    expect(executor.functionTools(ctx())).toEqual([
      { type: 'function', name: 'echo', description: 'Echoes text', parameters: JSON.parse(JSON.stringify(modeSchema)) },
      { type: 'function', name: 'trouble', description: 'Fails in the way it is asked to', parameters: expect.objectContaining({ type: 'object' }) },
    ]);
    expect(executor.capabilityLines(ctx(), 'tools')).toEqual(['echo text (echo tool)', 'fail on purpose (trouble tool)']);
    expect(executor.capabilityLines(ctx({ isOrchestrator: false }), 'http', 'http://127.0.0.1:3000/')).toEqual(['echo text: POST http://127.0.0.1:3000/agent/echo']);
    // The narrowed schema is what the model sees.
    const narrowed = executor.functionTools(ctx({}, { canCreateDocuments: false }))[0].parameters as { properties: { mode: { enum: string[] } } };
    expect(narrowed.properties.mode.enum).toEqual(['fine']);
  });

  it('hands out one frozen array per offer: the same tools and schemas give the same array, another offer another', async () => {
    const { executor } = await setup();
    const first = executor.functionTools(ctx());
    expect(executor.functionTools(ctx())).toBe(first);
    expect(Object.isFrozen(first) && first.every((t) => Object.isFrozen(t))).toBe(true);
    const narrowed = executor.functionTools(ctx({}, { canCreateDocuments: false }));
    expect(narrowed).not.toBe(first);
    expect((narrowed[0].parameters as { properties: { mode: { enum: string[] } } }).properties.mode.enum).toEqual(['fine']);
    expect(executor.functionTools(ctx({}, { canCreateDocuments: false }))).toBe(narrowed);
    const fewer = executor.functionTools(ctx({ isOrchestrator: false }));
    expect(fewer.map((t) => t.name)).toEqual(['echo']);
  });

  it('turns every failure into a structured result and never rejects', async () => {
    const { executor, t } = await setup();
    const run = (how: string) => executor.execute(ctx(), 'trouble', JSON.stringify({ how }));
    expect(await run('ok')).toMatchObject({ outcome: 'ok', result: { success: true } });
    expect(await run('throw')).toMatchObject({ outcome: 'error', reason: 'tool_error', result: { success: false, error: 'internal error in tool trouble' } });
    expect(await run('garbage')).toMatchObject({ outcome: 'error', reason: 'tool_error' });
    expect(await run('unavailable')).toMatchObject({
      outcome: 'error',
      reason: 'backend_unavailable',
      result: { success: false, error: 'backend unavailable, try again later', retryable: true },
    });
    expect(await run('rejected')).toMatchObject({ outcome: 'refused', code: 'not_found', result: { success: false, error: 'Not found: task x' } });
    expect(await run('forbidden')).toMatchObject({ outcome: 'refused', code: 'forbidden', result: { error: 'Forbidden: not yours' } });
    expect(await run('argument')).toMatchObject({ outcome: 'invalid', field: 'how', result: { error: 'invalid arguments: how is strange', field: 'how' } });
    expect(await run('soft')).toMatchObject({ outcome: 'refused', reason: 'refused', result: { success: false, error: 'declined politely' } });
    // The crash is logged for operators; the model only learns that the tool failed.
    expect(t.logs.find((l) => l.msg === 'tool threw')).toBeDefined();
  });

  it('refuses unknown tools, tools not offered, and malformed or invalid arguments', async () => {
    const { executor } = await setup();
    expect(await executor.execute(ctx(), 'nope', '{}')).toMatchObject({ outcome: 'unavailable', reason: 'unknown_tool', result: { success: false, error: 'Unknown tool: nope' } });
    expect(await executor.execute(ctx({ isOrchestrator: false }), 'trouble', '{"how":"ok"}')).toMatchObject({
      reason: 'not_offered',
      result: { success: false, error: 'Tool trouble is not available to this agent in this context' },
    });
    expect(await executor.execute(ctx(), 'broken_gate', {})).toMatchObject({ reason: 'not_offered' });
    expect(await executor.execute(ctx(), 'echo', '{"mode":')).toMatchObject({ outcome: 'invalid', result: { error: 'invalid arguments: not valid JSON (send one JSON object)' } });
    expect(await executor.execute(ctx(), 'echo', '[1]')).toMatchObject({ outcome: 'invalid', result: { error: 'invalid arguments: (arguments) must be an object' } });
    expect(await executor.execute(ctx(), 'echo', { mode: 'odd', agentId: 'a2' })).toMatchObject({
      outcome: 'invalid',
      field: 'agentId',
      result: { error: 'invalid arguments: /agentId is not an accepted parameter (accepted: mode, text); /mode must be one of fine, special' },
    });
  });

  it('accepts a gated value only where it is offered (same rule for offering and executing)', async () => {
    const { executor } = await setup();
    expect(await executor.execute(ctx(), 'echo', { mode: 'special' })).toMatchObject({ outcome: 'ok' });
    expect(await executor.execute(ctx({}, { canCreateDocuments: false }), 'echo', { mode: 'special' })).toMatchObject({
      outcome: 'refused',
      reason: 'not_allowed',
      code: 'forbidden',
      field: 'mode',
      result: { success: false, error: 'Forbidden: not allowed for this agent in this context: /mode must be one of fine' },
    });
  });

  it('lets beforeToolCall rewrite or block, re-validates rewrites, and reports every outcome to afterToolCall', async () => {
    const { executor, outcomes } = await setup((api) => {
      api.hooks.beforeToolCall.tap((e) => {
        if (e.tool !== 'echo') return e;
        if (e.params.text === 'forbidden words') return { ...e, block: { reason: 'policy says no' } };
        if (e.params.text === 'make it invalid') return { ...e, params: { ...e.params, mode: 42 } };
        return { ...e, params: { ...e.params, text: String(e.params.text ?? '').toUpperCase() } };
      });
    });
    expect(await executor.execute(ctx(), 'echo', { mode: 'fine', text: 'hi' })).toMatchObject({ outcome: 'ok', result: { echoed: 'HI' } });
    expect(await executor.execute(ctx(), 'echo', { mode: 'fine', text: 'forbidden words' })).toMatchObject({
      outcome: 'blocked',
      result: { success: false, error: 'Blocked: policy says no' },
    });
    expect(await executor.execute(ctx(), 'echo', { mode: 'fine', text: 'make it invalid' })).toMatchObject({ outcome: 'invalid', field: 'mode' });
    expect(outcomes.map((o) => [o.tool, o.outcome])).toEqual([
      ['echo', 'ok'],
      ['echo', 'blocked'],
      ['echo', 'invalid'],
    ]);
    expect(outcomes[0]).toMatchObject({ params: { mode: 'fine', text: 'HI' }, subject: { agentSlug: 'engineer', via: 'gateway' }, result: { success: true } });
  });

  it('a failing beforeToolCall tap means no decision: the call goes ahead', async () => {
    const { executor } = await setup((api) => {
      api.hooks.beforeToolCall.tap(() => {
        throw new Error('hook bug');
      });
    });
    expect(await executor.execute(ctx(), 'echo', { mode: 'fine', text: 'x' })).toMatchObject({ outcome: 'ok', result: { echoed: 'x' } });
  });

  it('resolves agent slugs once per run context, case-insensitively, with or without @', async () => {
    const { executor, calls } = await setup();
    const run = ctx();
    const first = await executor.execute(run, 'trouble', { how: 'slugs' });
    expect(first.result).toMatchObject({ first: { ids: ['a1', 'a2'], unknown: ['ghost'] }, second: { ids: ['a1'], unknown: [] } });
    await executor.execute(run, 'trouble', { how: 'slugs' });
    expect(calls.listAgents).toBe(1);
    await executor.execute(ctx(), 'trouble', { how: 'slugs' });
    expect(calls.listAgents).toBe(2);
  });

  it('adapts to the gateway: JSON output per call, cancellation honoured', async () => {
    const { executor } = await setup();
    const execute = executor.gatewayExecutor(ctx());
    expect(JSON.parse(await execute({ callId: 'c1', name: 'echo', arguments: '{"mode":"fine","text":"yo"}' }, 1))).toEqual({ success: true, echoed: 'yo', mode: 'fine' });
    const aborted = new AbortController();
    aborted.abort();
    expect(JSON.parse(await execute({ callId: 'c2', name: 'echo', arguments: '{"mode":"fine"}' }, 1, aborted.signal))).toMatchObject({
      success: false,
      error: expect.stringMatching(/^cancelled/),
    });
  });

  it('counts calls per tool and outcome with bounded labels', async () => {
    const { executor, api } = await setup();
    await executor.execute(ctx(), 'echo', { mode: 'fine' });
    await executor.execute(ctx(), 'made_up_tool_1', {});
    await executor.execute(ctx(), 'made_up_tool_2', {});
    const text = await api.metrics.registry.metrics();
    expect(text).toContain('runtime_tool_calls_total{tool="echo",outcome="ok",via="gateway"} 1');
    expect(text).toContain('runtime_tool_calls_total{tool="unknown",outcome="unavailable",via="gateway"} 2');
    expect(text).not.toContain('made_up_tool');
    expect(text).toMatch(/runtime_tool_call_duration_seconds_count\{tool="echo",outcome="ok",via="gateway"\} 1/);
  });
});
