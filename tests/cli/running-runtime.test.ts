/**
 * Against one real started runtime (default config, embedded backend, scripted
 * gateway): `mc-runtime status` reads it as a person and as a script, and every
 * metric the Grafana dashboard and the Prometheus alert rules query is one the
 * runtime exposes on /metrics. The committed dashboard is what its builder makes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli as runCliRaw, startCli } from '../support/cli.ts';
import { startScriptedGateway, type ScriptedGateway } from '../support/scripted-gateway.ts';
import { parseExposition } from '../support/prom-format.ts';
import { buildDashboard } from '../../ops/grafana/build-dashboard.ts';
import { freePort } from '../support/free-port.ts';

/** A loaded machine makes each CLI process slow: allow it time (never an assertion on duration). */
const runCli = (args: string[], options: Parameters<typeof runCliRaw>[1] = {}) => runCliRaw(args, { timeoutMs: 100_000, ...options });


let gateway: ScriptedGateway;
let run: ReturnType<typeof startCli>;
let env: Record<string, string>;
let url: string;

beforeAll(async () => {
  gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa'] });
  gateway.setDefault({ text: 'NOTHING_TO_ADD' });
  gateway.script('engineer', [{ text: 'On it.' }]);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    RUNTIME_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mc-running-')),
    HEALTH_PORT: String(port),
    OPENCLAW_GATEWAY_URL: gateway.url,
    OPENCLAW_VERSION: '2026.9.6',
    DELIVERY_INTERVAL: '1000',
  };
  run = startCli([], { env });
  await run.waitFor(/"msg":"runtime started"/, 100_000);
  // One assignment delivered, so the counters have something to show.
  const created = await runCli(['local', 'task', 'create', '--title', 'Status me', '--assign', 'engineer'], { env });
  expect(created.code).toBe(0);
  await run.waitFor(/"agent":"engineer","posted":true[^\n]*"msg":"notification delivered"/, 100_000);
}, 240_000);

afterAll(async () => {
  if (run) {
    run.child.kill('SIGTERM');
    await run.exited;
  }
  await gateway?.close();
}, 120_000);

describe('mc-runtime status', () => {
  it('shows readiness, dependencies, delivery counters, dead letters, heartbeats and plugins (address from the config)', async () => {
    const result = await runCli(['status'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(new RegExp(`^${url.replace(/[.:/]/g, '\\$&')}: OK \\(ready, state running\\), up \\d+ s, runtime [\\d.]+, openclaw 2026\\.9\\.6$`, 'm'));
    expect(out).toMatch(/^ {2}backend {3}backend-local: reachable$/m);
    expect(out).toMatch(/^ {2}gateway {3}gateway-openclaw: reachable$/m);
    expect(out).toMatch(/^Deliveries:\n {2}delivered [1-9]\d*, skipped \d+, retry 0, dead_lettered 0; consecutive failures 0$/m);
    expect(out).toMatch(/^ {2}dead letters 0, retrying 0 \(mc-runtime deliveries dead\)$/m);
    expect(out).toMatch(/^Heartbeats:\n {2}\d+ agents scheduled, 0 running$/m);
    expect(out).toMatch(/^ {2}up {7}delivery@\d/m);
    expect(out).toMatch(/^ {2}up {7}self-upgrade@[\d.]+ \(optional\)/m);
  }, 240_000);

  it('--json prints the runtime\'s /health body for scripts', async () => {
    const result = await runCli(['status', '--json', '--url', url]);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { status: string; plugins: Array<{ id: string }>; delivery: { counters: Record<string, number> } };
    expect(body.status).toBe('ok');
    expect(body.delivery.counters.delivered).toBeGreaterThanOrEqual(1);
    expect(body.plugins.map((p) => p.id)).toContain('heartbeat');
  }, 240_000);

  it('says so, with exit code 2, when no runtime answers', async () => {
    const result = await runCli(['status', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no runtime answers at http:\/\/127\.0\.0\.1:\d+\/health \(ECONNREFUSED\)/);
  }, 240_000);
});

/** Metric names a PromQL expression selects (`up` is Prometheus' own). */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const withoutGroupings = withoutStrings.replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...withoutGroupings.matchAll(/\b((?:runtime|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
}

describe('dashboard and alert rules query only what a runtime exposes', () => {
  let exposed: Map<string, string>;
  beforeAll(async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    exposed = new Map([...parseExposition(text).families.values()].map((f) => [f.name, String(f.type)]));
  });

  /** The family a selector refers to: histogram series end in _bucket/_sum/_count. */
  function family(name: string): string | undefined {
    if (exposed.has(name)) return name;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return exposed.get(base) === 'histogram' ? base : undefined;
  }

  it('every dashboard query names exposed metrics (and histogram quantiles use histograms)', () => {
    const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'ops', 'grafana', 'mc-runtime.json'), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const queried = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr).map((m) => ({ panel: p.title, metric: m }))));
    expect(queried.length).toBeGreaterThan(30);
    expect(queried.filter((q) => !family(q.metric))).toEqual([]);
    for (const q of queried.filter((x) => x.metric.endsWith('_bucket'))) expect(exposed.get(family(q.metric)!), q.metric).toBe('histogram');
    // The panels issue 15 asks for.
    for (const m of ['runtime_deliveries_total', 'runtime_delivery_duration_seconds_bucket', 'runtime_gateway_requests_total', 'runtime_gateway_up', 'runtime_tool_calls_total', 'runtime_heartbeats_total', 'runtime_plugin_up', 'runtime_plugin_hook_errors_total', 'runtime_backend_calls_total', 'runtime_backend_call_duration_seconds_bucket', 'process_resident_memory_bytes']) {
      expect(queried.map((q) => q.metric), m).toContain(m);
    }
  }, 240_000);

  it('every alert rule names exposed metrics', () => {
    const rules = readFileSync(path.join(REPO_ROOT, 'ops', 'prometheus', 'mc-runtime-alerts.yml'), 'utf8');
    const exprs = [...rules.matchAll(/expr: (\|\n((?: {10}.*\n)+)|.*)/g)].map((m) => m[2] ?? m[1]);
    expect(exprs).toHaveLength(6);
    const names = exprs.flatMap(metricsIn);
    expect(names.filter((n) => !family(n))).toEqual([]);
  }, 240_000);

  it('the committed dashboard is what ops/grafana/build-dashboard.ts builds', () => {
    const committed = JSON.parse(readFileSync(path.join(REPO_ROOT, 'ops', 'grafana', 'mc-runtime.json'), 'utf8')) as unknown;
    expect(committed, 'run: node ops/grafana/build-dashboard.ts').toEqual(buildDashboard());
  }, 240_000);
});
