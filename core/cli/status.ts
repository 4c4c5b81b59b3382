/**
 * `mc-runtime status`: a running runtime's state as a person reads it, from
 * its own `/health` (plugins, readiness and reasons, dependencies, delivery
 * counters, dead letters, last errors, heartbeats). `--json` prints the body
 * for scripts. The address is `--url`, else the config's `http` host and port.
 * Knows the shape of /health, not the plugins: every plugin's status is shown
 * generically, with a few well-known fields picked out.
 */
import { pluginSettings } from './commands.ts';
import type { CliIo } from './context.ts';
import { fetchFailure } from './doctor-fs.ts';

export interface StatusOptions {
  url?: string;
  json: boolean;
  configPath: string;
  io: CliIo;
  env: NodeJS.ProcessEnv;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

async function baseUrl(options: StatusOptions): Promise<string> {
  if (options.url) return options.url.replace(/\/+$/, '');
  const { options: http } = await pluginSettings(options.configPath, 'http', options.env);
  const host = String(http?.host ?? '127.0.0.1');
  const port = Number(http?.port ?? 3000);
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The human rendering of a /health body. */
export function renderStatus(health: Json, url: string): string[] {
  const lines: string[] = [];
  const versions = obj(health.versions);
  lines.push(`${url}: ${String(health.status ?? '?').toUpperCase()} (${health.ready ? 'ready' : 'not ready'}, state ${scalar(health.state)}), up ${scalar(health.uptimeSeconds)} s, runtime ${scalar(versions.runtimeService)}, openclaw ${scalar(versions.openclaw)}`);
  for (const reason of arr(health.reasons)) lines.push(`  not ready: ${scalar(reason)}`);

  const deps = obj(health.dependencies);
  lines.push('Dependencies:');
  for (const [name, d] of Object.entries(deps)) {
    const dep = obj(d);
    const state = dep.configured === false ? 'not configured' : dep.reachable === 'up' || dep.reachable === true ? 'reachable' : dep.reachable === 'down' || dep.reachable === false ? 'UNREACHABLE' : 'unknown (not probed yet)';
    lines.push(`  ${name.padEnd(9)} ${scalar(dep.provider)}: ${state}${dep.detail ? ` — ${scalar(dep.detail)}` : ''}`);
  }

  const failing = arr(health.checks).map(obj).filter((c) => c.ok === false);
  if (failing.length) {
    lines.push('Failing checks:');
    for (const c of failing) lines.push(`  ${scalar(c.name)}${c.critical ? ' (critical)' : ''}: ${scalar(c.detail)}`);
  }

  const delivery = obj(health.delivery);
  const counters = obj(delivery.counters);
  const plugins = arr(health.plugins).map(obj);
  const deliveryStatus = obj(plugins.find((p) => p.id === 'delivery')?.status);
  const store = obj(deliveryStatus.store);
  lines.push('Deliveries:');
  lines.push(`  ${Object.entries(counters).map(([k, v]) => `${k} ${scalar(v)}`).join(', ') || 'no outcome yet'}; consecutive failures ${scalar(delivery.consecutiveFailures)}`);
  if ('dead' in store || 'retrying' in store) lines.push(`  dead letters ${scalar(store.dead)}, retrying ${scalar(store.retrying)} (mc-runtime deliveries dead)`);
  lines.push(`  last delivered ${scalar(delivery.lastDeliveredAt)}`);
  const lastError = obj(delivery.lastError);
  if (lastError.at) lines.push(`  last error ${scalar(lastError.at)}: ${scalar(lastError.outcome)} ${scalar(lastError.notificationType)} — ${scalar(lastError.reason)}`);

  const heartbeat = obj(plugins.find((p) => p.id === 'heartbeat')?.status);
  if (Object.keys(heartbeat).length) {
    lines.push('Heartbeats:');
    lines.push(`  ${heartbeat.enabled === false ? 'disabled' : `${arr(heartbeat.scheduled).length} agents scheduled, ${scalar(heartbeat.running)} running`}`);
    const slugs = new Map(arr(heartbeat.scheduled).map(obj).map((e) => [String(e.agentId), e.slug]));
    for (const [agent, l] of Object.entries(obj(heartbeat.last))) {
      const last = obj(l);
      const at = typeof last.at === 'number' ? new Date(last.at).toISOString() : scalar(last.at);
      lines.push(`  ${scalar(slugs.get(agent) ?? agent)}: ${scalar(last.outcome)}${last.reason ? ` (${scalar(last.reason)})` : ''} at ${at}`);
    }
    if (heartbeat.lastError) lines.push(`  last error: ${scalar(heartbeat.lastError)}`);
  }

  lines.push('Plugins:');
  for (const p of plugins) {
    const status = obj(p.status);
    const lastErr = status.lastError ?? obj(status.last).error;
    lines.push(`  ${String(p.state === 'started' || p.state === 'running' ? 'up' : p.state).padEnd(8)} ${scalar(p.id)}@${scalar(p.version)}${p.required === false ? ' (optional)' : ''}${p.error ? ` — ${scalar(p.error)}` : ''}${lastErr ? ` — last error: ${scalar(lastErr)}` : ''}`);
  }
  return lines;
}

/** Exit codes: 0 ok, 1 the runtime answers but is degraded or down, 2 no runtime answers. */
export async function statusCommand(options: StatusOptions): Promise<number> {
  const { io } = options;
  const url = await baseUrl(options);
  let health: Json;
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
    health = obj(await res.json());
  } catch (err) {
    const cause = fetchFailure(err);
    io.err(`no runtime answers at ${url}/health (${cause}); is it running? (--url, or the http plugin's host/port in the config)`);
    return 2;
  }
  if (options.json) io.out(JSON.stringify(health, null, 2));
  else renderStatus(health, url).forEach((l) => io.out(l));
  return health.status === 'ok' ? 0 : 1;
}
