import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin, type PluginApi } from '../plugin.ts';
import { BackendService } from '../services.ts';
import type { BackendPort } from '../ports/backend.ts';
import { memoryLedger, type ToolCallLedger } from '../ports/tool-ledger.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';
import { createToolExecutor, type ToolCallContext, type ToolExecutor } from './executor.ts';
import { defineTool } from './registry.ts';
import { deriveCapabilities } from './capabilities.ts';
import { canonicalArgs } from './canonical.ts';

const note = Type.Object({ title: Type.String(), body: Type.Optional(Type.String()), tags: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false });

let current: TestKernel | undefined;
afterEach(async () => {
  await current?.kernel.stop();
  current = undefined;
});

async function setup(): Promise<{ api: PluginApi; executor: ToolExecutor; runs: Record<string, number> }> {
  const runs: Record<string, number> = { write_note: 0, read_notes: 0, unsaid: 0, flaky: 0 };
  const tools = [
    defineTool({ name: 'write_note', description: 'writes', capability: 'write a note', effect: 'mutating', parameters: note, availability: () => true, execute: async (_c, p) => ({ success: true, id: `n${++runs.write_note}`, title: p.title }) }),
    defineTool({ name: 'read_notes', description: 'reads', capability: 'read notes', effect: 'read', parameters: Type.Object({}), availability: () => true, execute: async () => ({ success: true, n: ++runs.read_notes }) }),
    defineTool({ name: 'unsaid', description: 'says nothing about its effect', capability: 'do a thing', parameters: Type.Object({}), availability: () => true, execute: async () => ({ success: true, n: ++runs.unsaid }) }),
    defineTool({
      name: 'flaky',
      description: 'refuses the first time',
      capability: 'try',
      effect: 'mutating',
      parameters: Type.Object({}),
      availability: () => true,
      execute: async () => (++runs.flaky === 1 ? { success: false, error: 'not yet' } : { success: true, n: runs.flaky }),
    }),
  ];
  let captured: PluginApi | undefined;
  const empty = Type.Object({}, { additionalProperties: false });
  const backend = new Proxy({} as BackendPort, { get: () => async () => [] });
  const t = await createTestKernel({
    plugins: [
      { plugin: definePlugin({ id: 'fake-backend', version: '0', provides: ['backend'], configSchema: empty, register: (api) => api.provide(BackendService, backend) }) },
      {
        plugin: definePlugin({
          id: 'ledger-tools',
          version: '0',
          dependsOn: ['backend'],
          configSchema: empty,
          register(api) {
            captured = api;
            tools.forEach((tool) => api.tools.register(tool));
          },
        }),
      },
    ],
    logLevel: 'info',
  });
  current = t;
  await t.kernel.start();
  const api = captured!;
  return { api, executor: createToolExecutor({ tools: api.tools, hooks: api.hooks, backend: api.use(BackendService), logger: api.logger, metrics: api.metrics }), runs };
}

function ctx(ledger?: ToolCallLedger): ToolCallContext {
  const capabilities = deriveCapabilities({ agentId: 'a1', flags: {}, orchestratorAgentId: 'a0' });
  return { subject: { agentId: 'a1', agentSlug: 'engineer', notificationId: 'n1', via: 'gateway' }, capabilities, ledger };
}

describe('canonical arguments', () => {
  it('ignore key order and whitespace, keep array order and values', () => {
    expect(canonicalArgs({ b: 1, a: { d: [2, 1], c: 'x' } })).toBe(canonicalArgs(JSON.parse('{ "a" : {"c":"x", "d":[2,1]},  "b":1 }')));
    expect(canonicalArgs({ a: [1, 2] })).not.toBe(canonicalArgs({ a: [2, 1] }));
    expect(canonicalArgs({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

describe('tool-call ledger in the executor', () => {
  it('runs a repeated mutating call once and returns the recorded result, whatever the key order', async () => {
    const { executor, runs, api } = await setup();
    const ledger = memoryLedger();
    const first = await executor.execute(ctx(ledger), 'write_note', '{"title":"Plan","body":"x","tags":["a"]}');
    const again = await executor.execute(ctx(ledger), 'write_note', '{ "tags": ["a"], "body": "x",\n "title": "Plan" }');
    expect(first).toMatchObject({ outcome: 'ok', result: { success: true, id: 'n1' } });
    expect(again).toMatchObject({ outcome: 'replayed', result: { success: true, id: 'n1' } });
    expect(runs.write_note).toBe(1);
    const other = await executor.execute(ctx(ledger), 'write_note', '{"title":"Other"}');
    expect(other).toMatchObject({ outcome: 'ok', result: { id: 'n2' } });
    const metrics = await api.metrics.registry.getSingleMetricAsString('runtime_tool_calls_total');
    expect(metrics).toMatch(/runtime_tool_calls_total\{tool="write_note",outcome="replayed",via="gateway"\} 1/);
  });

  it('always runs read tools, and treats a tool that does not declare its effect as mutating', async () => {
    const { executor, runs } = await setup();
    const ledger = memoryLedger();
    await executor.execute(ctx(ledger), 'read_notes', '{}');
    await executor.execute(ctx(ledger), 'read_notes', '{}');
    expect(runs.read_notes).toBe(2);
    await executor.execute(ctx(ledger), 'unsaid', '{}');
    expect(await executor.execute(ctx(ledger), 'unsaid', '{}')).toMatchObject({ outcome: 'replayed' });
    expect(runs.unsaid).toBe(1);
  });

  it('records only successful calls: a refused call may be tried again', async () => {
    const { executor, runs } = await setup();
    const ledger = memoryLedger();
    expect(await executor.execute(ctx(ledger), 'flaky', '{}')).toMatchObject({ outcome: 'refused' });
    expect(await executor.execute(ctx(ledger), 'flaky', '{}')).toMatchObject({ outcome: 'ok', result: { n: 2 } });
    expect(await executor.execute(ctx(ledger), 'flaky', '{}')).toMatchObject({ outcome: 'replayed', result: { n: 2 } });
    expect(runs.flaky).toBe(2);
  });

  it('without a ledger every call runs; an unreadable ledger refuses mutating calls instead of risking a repeat', async () => {
    const { executor, runs } = await setup();
    await executor.execute(ctx(), 'write_note', '{"title":"a"}');
    await executor.execute(ctx(), 'write_note', '{"title":"a"}');
    expect(runs.write_note).toBe(2);
    const broken: ToolCallLedger = {
      lookup: () => {
        throw new Error('disk I/O error');
      },
      record: () => undefined,
    };
    expect(await executor.execute(ctx(broken), 'write_note', '{"title":"a"}')).toMatchObject({ outcome: 'error', reason: 'backend_unavailable', result: { success: false, retryable: true } });
    expect(runs.write_note).toBe(2);
  });

  it('defineTool refuses an unknown effect and a read-only mutating tool', () => {
    const base = { name: 'x_tool', description: 'd', capability: 'c', parameters: Type.Object({}), availability: () => true, execute: async () => ({ success: true }) };
    expect(() => defineTool({ ...base, effect: 'write' as never })).toThrow(/effect must be 'mutating' or 'read'/);
    expect(() => defineTool({ ...base, effect: 'mutating', attributes: { readOnly: true } })).toThrow(/readOnly contradicts/);
  });
});
