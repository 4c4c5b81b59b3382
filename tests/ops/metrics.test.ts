import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { createTestKernel, type TestKernel } from '../support/test-kernel.ts';
import { assertValidExposition, sampleValue, type Family } from '../support/prom-format.ts';
import { agentMessages, eventually, startHarness, type Harness } from '../delivery/harness.ts';
import type { ScriptedRequest } from '../support/scripted-gateway.ts';
import { baseUrl, get } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Its onDelivered tap throws: the kernel counts a hook error against it. */
const faulty = definePlugin({
  id: 'faulty',
  version: '1.0.0',
  configSchema: Type.Object({}, { additionalProperties: false }),
  register(api) {
    api.metrics.counter({ name: 'runtime_faulty_things_total', help: 'Things with "quotes" and a \\ backslash', labelNames: ['kind'] }).inc({ kind: 'odd "value"\\with\nnewline' });
    api.hooks.onDelivered.tap(() => {
      throw new Error('boom');
    });
  },
});

const OPS = [{ use: 'http', options: { port: 0 } }, { use: 'runtime-info' }, { use: 'metrics' }];

describe('metrics plugin', () => {
  it('serves valid Prometheus exposition after real deliveries and tool calls', async () => {
    const h: Harness = await startHarness({ extraPlugins: [...OPS, { plugin: faulty }] });
    cleanups.push(() => h.close());
    const taskIdIn = (req: ScriptedRequest) => /Task ID: (\S+)/.exec(req.userText ?? '')?.[1] ?? '';
    h.gateway.script('engineer', [
      (req) => ({ toolCalls: [{ name: 'task_status', arguments: { taskId: taskIdIn(req), status: 'in_progress' } }] }),
      { text: 'On it.' },
    ]);
    const taskId = h.createTask('Measure me', 'engineer');
    await eventually(async () => agentMessages(await h.thread(taskId)).length === 1, 15_000, 'reply');

    const res = await get(h.t.kernel, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = assertValidExposition(res.text);
    const has = (name: string, type: Family['type']) => expect(families.get(name)?.type, name).toBe(type);

    // Process and Node.js defaults.
    has('process_cpu_seconds_total', 'counter');
    has('process_resident_memory_bytes', 'gauge');
    has('nodejs_eventloop_lag_seconds', 'gauge');
    has('nodejs_gc_duration_seconds', 'histogram');
    // Kernel and build.
    expect(sampleValue(families, 'runtime_build_info', { version: '0.0.0-test', openclaw_version: '' })).toBe(1);
    expect(sampleValue(families, 'runtime_plugin_up', { plugin: 'delivery' })).toBe(1);
    expect(sampleValue(families, 'runtime_plugin_hook_errors_total', { plugin: 'faulty', hook: 'onDelivered' })).toBeGreaterThanOrEqual(1);
    has('runtime_plugin_hook_duration_seconds', 'histogram');
    // Producers' metrics: deliveries, tool calls, gateway latency.
    const delivered = families.get('runtime_deliveries_total')!.samples.filter((s) => s.labels.outcome === 'delivered');
    expect(delivered.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(1);
    has('runtime_delivery_duration_seconds', 'histogram');
    expect(families.get('runtime_tool_calls_total')!.samples).toEqual(
      expect.arrayContaining([expect.objectContaining({ labels: expect.objectContaining({ tool: 'task_status', outcome: 'ok' }), value: 1 })]),
    );
    has('runtime_tool_call_duration_seconds', 'histogram');
    expect(families.get('runtime_gateway_request_duration_seconds')!.samples.some((s) => s.name.endsWith('_count') && s.value >= 2)).toBe(true);
    // A plugin's own metric with awkward label text is escaped correctly.
    expect(sampleValue(families, 'runtime_faulty_things_total', { kind: 'odd "value"\\with\nnewline' })).toBe(1);
    // No unbounded values (task ids, session keys) as label values.
    expect(res.text).not.toContain(taskId);
    // Runtime metric naming conventions.
    for (const f of families.values()) {
      if (!f.name.startsWith('runtime_')) continue;
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
      else expect(f.name).not.toMatch(/_total$/);
      expect(f.help, `${f.name} has help`).toBeTruthy();
    }
    // Text whatever the client asks for (the original answered JSON to Accept: application/json).
    const json = await fetch(`${baseUrl(h.t.kernel)}/metrics`, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/^text\/plain/);
    assertValidExposition(await json.text());
  });

  it('samples event-loop delay every eventLoopResolutionMs: an idle loop reads the resolution, a blocked one more', async () => {
    const plugins = [...OPS.slice(0, 2), { use: 'metrics', options: { eventLoopResolutionMs: 50 } }];
    const t = await createTestKernel({ plugins });
    cleanups.push(() => t.kernel.stop());
    await t.kernel.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const blockedUntil = Date.now() + 300;
    while (Date.now() < blockedUntil) {
      // a synchronous stretch the sampling timer must notice
    }
    await new Promise((resolve) => setTimeout(resolve, 120));
    const families = assertValidExposition((await get(t.kernel, '/metrics')).text);
    // Intervals between samples: never much under the resolution (prom-client's own 10 ms would read ~0.01).
    expect(sampleValue(families, 'nodejs_eventloop_lag_min_seconds', {})).toBeGreaterThanOrEqual(0.04);
    expect(sampleValue(families, 'nodejs_eventloop_lag_max_seconds', {})).toBeGreaterThanOrEqual(0.2);
  });

  it('rejects an eventLoopResolutionMs over 1 s, naming the plugin and the option', async () => {
    const plugins = [...OPS.slice(0, 2), { use: 'metrics', options: { eventLoopResolutionMs: 5000 } }];
    await expect(createTestKernel({ plugins })).rejects.toThrow(/options\/eventLoopResolutionMs \(metrics\): must be <= 1000/);
  });

  it('rejects an eventLoopResolutionMs below 1 ms, naming the plugin and the option', async () => {
    const plugins = [...OPS.slice(0, 2), { use: 'metrics', options: { eventLoopResolutionMs: 0 } }];
    await expect(createTestKernel({ plugins })).rejects.toThrow(/options\/eventLoopResolutionMs \(metrics\): must be >= 1/);
  });

  it('keeps one registry per kernel: two kernels in one process expose separate, valid metrics', async () => {
    const boot = async (version: string): Promise<TestKernel> => {
      const t = await createTestKernel({ plugins: OPS, env: { OPENCLAW_VERSION: '2026.9.6' }, version });
      cleanups.push(() => t.kernel.stop());
      await t.kernel.start();
      return t;
    };
    const a = await boot('1.0.0');
    const b = await boot('2.0.0');
    const fa = assertValidExposition((await get(a.kernel, '/metrics')).text);
    const fb = assertValidExposition((await get(b.kernel, '/metrics')).text);
    expect(sampleValue(fa, 'runtime_build_info', { version: '1.0.0', openclaw_version: '2026.9.6' })).toBe(1);
    expect(sampleValue(fb, 'runtime_build_info', { version: '2.0.0', openclaw_version: '2026.9.6' })).toBe(1);
    expect(fb.get('runtime_build_info')!.samples).toHaveLength(1);
    expect(fb.has('process_cpu_seconds_total')).toBe(true);
  });
});
