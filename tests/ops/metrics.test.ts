import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { defineTool } from '../../core/tools/registry.ts';
import { createTestKernel, type TestKernel } from '../support/test-kernel.ts';
import { assertValidExposition, sampleValue, type Family } from '../support/prom-format.ts';
import { startScriptedGateway } from '../support/scripted-gateway.ts';
import { baseUrl, get } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const subject = { agentId: 'a1', agentSlug: 'alpha', via: 'gateway' as const };

/** Registers a tool and a metric of its own, and fires the observation hooks the catalog counts. */
const activity = definePlugin({
  id: 'activity',
  version: '1.0.0',
  configSchema: Type.Object({}, { additionalProperties: false }),
  register(api) {
    api.tools.register(
      defineTool({
        name: 'task_status',
        description: 'change a task status',
        capability: 'change task status',
        parameters: Type.Object({}),
        availability: () => true,
        execute: async () => ({ success: true }),
      }),
    );
    const own = api.metrics.counter({ name: 'runtime_activity_things_total', help: 'Things with "quotes" and a \\ backslash', labelNames: ['kind'] });
    own.inc({ kind: 'odd "value"\\with\nnewline' });
    api.hooks.onStart.tap(async () => {
      const d = { notificationId: 'n1', notificationType: 'mention', posted: true, attempt: 1, toolCalls: 1 };
      await api.hooks.onDelivered.call({ ...d, outcome: 'delivered', durationMs: 2_000 });
      await api.hooks.onDelivered.call({ ...d, outcome: 'dead_lettered', durationMs: 50, posted: false });
      await api.hooks.afterToolCall.call({ tool: 'task_status', params: {}, subject, outcome: 'ok', result: { success: true }, durationMs: 12 });
      // A name the model made up must not become a label value.
      await api.hooks.afterToolCall.call({ tool: 'made_up_tool_9f3', params: {}, subject, outcome: 'unavailable', result: { success: false }, durationMs: 1 });
      await api.hooks.onHeartbeat.call({ agentId: 'a1', agentSlug: 'alpha', outcome: 'posted', durationMs: 10 });
    });
  },
});

/** Its onDelivered tap throws: the kernel counts a hook error for it. */
const faulty = definePlugin({
  id: 'faulty',
  version: '1.0.0',
  configSchema: Type.Object({}, { additionalProperties: false }),
  register(api) {
    api.hooks.onDelivered.tap(() => {
      throw new Error('boom');
    });
  },
});

async function boot(extra: Parameters<typeof createTestKernel>[0]['plugins'] = []): Promise<TestKernel> {
  const t = await createTestKernel({
    plugins: [{ use: 'http', options: { port: 0 } }, { use: 'runtime-info' }, { use: 'metrics' }, ...extra],
    env: { OPENCLAW_VERSION: '2026.9.6' },
    version: '3.4.5',
  });
  cleanups.push(() => t.kernel.stop());
  await t.kernel.start();
  return t;
}

describe('metrics plugin', () => {
  it('serves valid Prometheus exposition with defaults, kernel, plugin and runtime metrics', async () => {
    const gw = await startScriptedGateway();
    cleanups.push(() => gw.close());
    const { kernel } = await boot([{ plugin: activity }, { plugin: faulty }, { use: 'gateway-openclaw', options: { url: gw.url } }]);
    const res = await get(kernel, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = assertValidExposition(res.text);
    const has = (name: string, type: Family['type']) => expect(families.get(name)?.type, name).toBe(type);

    has('process_cpu_seconds_total', 'counter');
    has('process_resident_memory_bytes', 'gauge');
    has('nodejs_eventloop_lag_seconds', 'gauge');
    expect(sampleValue(families, 'runtime_build_info', { version: '3.4.5', openclaw_version: '2026.9.6' })).toBe(1);
    expect(sampleValue(families, 'runtime_plugin_up', { plugin: 'metrics' })).toBe(1);
    expect(sampleValue(families, 'runtime_plugin_up', { plugin: 'faulty' })).toBe(1);

    expect(sampleValue(families, 'runtime_deliveries_total', { outcome: 'delivered' })).toBe(1);
    expect(sampleValue(families, 'runtime_deliveries_total', { outcome: 'dead_lettered' })).toBe(1);
    expect(sampleValue(families, 'runtime_deliveries_total', { outcome: 'retry' })).toBe(0);
    expect(sampleValue(families, 'runtime_delivery_duration_seconds_count', { outcome: 'delivered' })).toBe(1);
    expect(sampleValue(families, 'runtime_delivery_duration_seconds_sum', { outcome: 'delivered' })).toBe(2);
    expect(sampleValue(families, 'runtime_delivery_duration_seconds_bucket', { outcome: 'delivered', le: '1' })).toBe(0);
    expect(sampleValue(families, 'runtime_delivery_duration_seconds_bucket', { outcome: 'delivered', le: '2.5' })).toBe(1);

    expect(sampleValue(families, 'runtime_tool_calls_total', { tool: 'task_status', outcome: 'ok' })).toBe(1);
    expect(sampleValue(families, 'runtime_tool_calls_total', { tool: 'unknown', outcome: 'unavailable' })).toBe(1);
    expect(res.text).not.toContain('made_up_tool_9f3');
    has('runtime_tool_call_duration_seconds', 'histogram');
    expect(sampleValue(families, 'runtime_heartbeats_total', { outcome: 'posted' })).toBe(1);
    expect(sampleValue(families, 'runtime_plugin_hook_errors_total', { plugin: 'faulty', hook: 'onDelivered' })).toBe(2);
    expect(sampleValue(families, 'runtime_activity_things_total', { kind: 'odd "value"\\with\nnewline' })).toBe(1);
    has('runtime_gateway_request_duration_seconds', 'histogram');

    // Every runtime metric follows the naming conventions.
    for (const f of families.values()) {
      if (!f.name.startsWith('runtime_')) continue;
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
      else expect(f.name).not.toMatch(/_total$/);
      expect(f.help, `${f.name} has help`).toBeTruthy();
    }
    // No timestamps and no JSON variant whatever the client asks for.
    const json = await fetch(`${baseUrl(kernel)}/metrics`, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/^text\/plain/);
    assertValidExposition(await json.text());
  });

  it('keeps one registry per kernel: two kernels in one process both expose valid, separate metrics', async () => {
    const a = await boot([{ plugin: activity }]);
    const b = await boot();
    const fa = assertValidExposition((await get(a.kernel, '/metrics')).text);
    const fb = assertValidExposition((await get(b.kernel, '/metrics')).text);
    expect(sampleValue(fa, 'runtime_deliveries_total', { outcome: 'delivered' })).toBe(1);
    expect(sampleValue(fb, 'runtime_deliveries_total', { outcome: 'delivered' })).toBe(0);
    expect(fb.has('process_cpu_seconds_total')).toBe(true);
  });
});
