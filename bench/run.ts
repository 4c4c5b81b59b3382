/**
 * Benchmarks (`npm run bench`). Prints figures; asserts nothing. Reproducible:
 * fixed sizes, loopback only, temp files. Rerun a few times on a quiet machine
 * and compare medians; the shared CI machines are noisy.
 *
 *   1. hook dispatch through the kernel's isolation interceptor
 *   2. tool executor calls against the embedded backend
 *   3. end-to-end delivery throughput and latency (embedded backend + scripted gateway)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Type from 'typebox';
import { definePlugin } from '../core/plugin.ts';
import { createToolExecutor } from '../core/tools/executor.ts';
import { capabilitiesForAgent } from '../core/tools/capabilities.ts';
import { BackendService } from '../core/services.ts';
import { createTestKernel } from '../tests/support/test-kernel.ts';
import { startScriptedGateway } from '../tests/support/scripted-gateway.ts';
import { openLocalBackend } from '../plugins/backend-local/index.ts';
import { seedDemoAccount } from '../plugins/backend-local/seed.ts';
import { createAgent, userCreateTask, withAccount } from '../plugins/backend-local/admin.ts';

function report(name: string, figures: Record<string, string | number>): void {
  console.log(`${name.padEnd(34)} ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join('  ')}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function benchHooks(): Promise<void> {
  const taps = 5;
  const plugins = Array.from({ length: taps }, (_, i) =>
    definePlugin({ id: `observer-${i}`, version: '1', configSchema: Type.Object({}), register(api) { api.hooks.onDelivered.tap(() => undefined); api.hooks.onNotification.tap(() => undefined); } }),
  );
  const { kernel } = await createTestKernel({ plugins: plugins.map((plugin) => ({ plugin })), logLevel: 'warn' });
  await kernel.start();
  const event = { notificationId: 'n', notificationType: 'assignment', outcome: 'delivered' as const, posted: true, attempt: 1, durationMs: 1, toolCalls: 0 };
  for (const [name, fire] of [
    ['onDelivered (parallel, 5 taps)', () => kernel.hooks.onDelivered.promise(event)],
    ['onNotification (bail, 5 taps)', () => kernel.hooks.onNotification.promise({ notification: {} as never, context: {} as never })],
  ] as const) {
    const n = 20_000;
    for (let i = 0; i < 1000; i++) await fire();
    const start = performance.now();
    for (let i = 0; i < n; i++) await fire();
    const ms = performance.now() - start;
    report(`hook ${name}`, { calls: n, 'µs/call': ((ms * 1000) / n).toFixed(1), 'calls/s': Math.round(n / (ms / 1000)) });
  }
  await kernel.stop();
}

async function benchTools(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-bench-'));
  const dbPath = path.join(dir, 'mc.sqlite');
  const seeding = openLocalBackend(dbPath);
  const seed = seedDemoAccount(seeding.db);
  const taskId = withAccount(seeding.db, seed.accountId, 'write', (ctx) => userCreateTask(ctx, seed.userId, { title: 'Bench task', assignedAgentIds: [seed.agents.engineer] }));
  seeding.close();
  const { kernel } = await createTestKernel({ logLevel: 'warn', plugins: [{ use: 'backend-local', options: { path: dbPath } }, { use: 'tools-task' }], runtime: { dataDir: dir } });
  await kernel.start();
  const backend = kernel.services.get(BackendService)!;
  const executor = createToolExecutor({ tools: kernel.tools, hooks: { beforeToolCall: { call: async (e) => e, tap() {} }, afterToolCall: { call: async () => undefined, tap() {} } }, backend, logger: kernel.logger });
  const agents = await backend.listAgents();
  const engineer = agents.find((a) => a.slug === 'engineer')!;
  const ctx = {
    subject: { agentId: engineer._id, agentSlug: 'engineer', taskId, via: 'gateway' as const },
    capabilities: capabilitiesForAgent(engineer, seed.agents.orion, { status: 'assigned' }),
  };
  const n = 2000;
  const durations: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await executor.execute(ctx, 'task_load', JSON.stringify({ taskId, messageLimit: 10 }));
    durations.push(performance.now() - t0);
    if (r.outcome !== 'ok') throw new Error(`task_load failed: ${JSON.stringify(r.result)}`);
  }
  durations.sort((a, b) => a - b);
  const total = durations.reduce((a, b) => a + b, 0);
  report('tool task_load (embedded backend)', { calls: n, 'calls/s': Math.round(n / (total / 1000)), 'p50 ms': percentile(durations, 50).toFixed(2), 'p99 ms': percentile(durations, 99).toFixed(2) });
  await kernel.stop();
}

async function benchDelivery(): Promise<void> {
  const agentsCount = 20;
  const perAgent = 10;
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-bench-'));
  const dbPath = path.join(dir, 'mc.sqlite');
  const seeding = openLocalBackend(dbPath);
  const seed = seedDemoAccount(seeding.db);
  const slugs = withAccount(seeding.db, seed.accountId, 'write', (ctx) =>
    Array.from({ length: agentsCount }, (_, i) => {
      const slug = `worker-${i}`;
      createAgent(ctx, { name: `Worker ${i}`, slug, role: 'Engineer' });
      return slug;
    }),
  );
  seeding.close();
  const gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa', ...slugs] });
  gateway.setDefault({ text: 'NOTHING_TO_ADD' });
  for (const slug of slugs) gateway.script(slug, Array.from({ length: perAgent }, () => ({ text: `${slug} acknowledges.`, delayMs: 20 })));
  const { kernel } = await createTestKernel({
    logLevel: 'warn',
    runtime: { dataDir: dir },
    plugins: [
      { use: 'backend-local', options: { path: dbPath } },
      { use: 'gateway-openclaw', options: { url: gateway.url } },
      { use: 'delivery-policy' },
      { use: 'tools-task' },
      { use: 'delivery', options: { intervalMs: 1000, maxConcurrentSessions: 10, listLimit: 100 } },
    ],
  });
  const backend = openLocalBackend(dbPath);
  const ids = withAccount(backend.db, seed.accountId, 'read', (ctx) => ctx.db.all<{ id: string; slug: string }>('SELECT id, slug FROM agents WHERE account_id = $a', { a: ctx.accountId }));
  const created: number[] = [];
  withAccount(backend.db, seed.accountId, 'write', (ctx) => {
    for (let round = 0; round < perAgent; round++) {
      for (const slug of slugs) {
        userCreateTask(ctx, seed.userId, { title: `Task ${round} for ${slug}`, assignedAgentIds: [ids.find((a) => a.slug === slug)!.id] });
        created.push(Date.now());
      }
    }
  });
  backend.close();
  const start = performance.now();
  await kernel.start();
  const port = kernel.services.get(BackendService)!;
  const total = agentsCount * perAgent;
  const latencies: number[] = [];
  const seen = new Set<string>();
  kernel.hooks.onDelivered.tap({ name: 'bench' }, (e) => {
    if (e.outcome === 'delivered' && !seen.has(e.notificationId)) {
      seen.add(e.notificationId);
      latencies.push(e.durationMs);
    }
  });
  while (seen.size < total) {
    await new Promise((r) => setTimeout(r, 50));
    if (performance.now() - start > 120_000) throw new Error(`only ${seen.size}/${total} delivered in 120 s`);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  report('delivery end to end', {
    notifications: total,
    sessions: agentsCount,
    'wall s': seconds.toFixed(2),
    'per s': (total / seconds).toFixed(1),
    'run p50 ms': percentile(latencies, 50),
    'run p95 ms': percentile(latencies, 95),
    'gateway delay ms': 20,
  });
  await port.listUndeliveredNotifications({ limit: 1 });
  await kernel.stop();
  await gateway.close();
}

console.log(`node ${process.version}, ${new Date().toISOString()}`);
await benchHooks();
await benchTools();
await benchDelivery();
