/**
 * Gateway container entrypoint. Writes the gateway config (openclaw.base.json,
 * then what the environment sets, then the runtime's profile-sync fragment),
 * prepares the agents' workspaces, and runs `openclaw gateway run` in the
 * foreground with an allow-listed environment (never SERVICE_TOKEN) and its
 * output scrubbed of tokens and keys. It re-merges whenever the fragment
 * changes — including its first creation — and the gateway hot-reloads agents
 * and skills; with OPENCLAW_CONFIG_RELOAD=1 it restarts the gateway instead.
 * SIGTERM/SIGINT are forwarded and the gateway's exit code is ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import path from 'node:path';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { gatewayEnv, scrub, secretValues } from './child-env.ts';
import { controlUiUrl, deepMerge, envOverlay, retentionDays, rosterWorkspaces, startableConfig } from './env-config.ts';
import { mergeGatewayConfig } from './merge-config.ts';
import { ensureWorkspaceLayout, providerKeys, removeStaleBrowserLocks } from './prestart.ts';

const env = process.env;
const basePath = env.OPENCLAW_BASE_CONFIG ?? path.join(import.meta.dirname, 'openclaw.base.json');
const fragmentPath = env.MC_RUNTIME_FRAGMENT ?? '/workspace/openclaw.json';
const configPath = env.OPENCLAW_CONFIG_PATH ?? path.join(env.HOME ?? '/home/node', '.openclaw', 'openclaw.json');
const stateDir = env.OPENCLAW_STATE_DIR ?? path.dirname(configPath);
const workspaceRoot = env.MC_WORKSPACE_ROOT ?? path.dirname(fragmentPath);
const log = (msg: string) => console.error(`[entrypoint] ${msg}`);
// Optional operator overlay (model providers, bind, …) layered over the base and the environment, under the runtime's roster.
const operatorPath = env.OPENCLAW_OPERATOR_CONFIG || undefined;

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    log(`ignoring unreadable ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The config the gateway gets now: base, environment, the runtime's roster, made startable. */
export function gatewayConfig(): Record<string, unknown> {
  const base = readJson(basePath);
  if (!base) throw new Error(`base config ${basePath} is missing or invalid`);
  const operator = operatorPath ? readJson(operatorPath) : undefined;
  if (operatorPath && !operator) throw new Error(`operator config ${operatorPath} is missing or invalid`);
  const withEnv = deepMerge(base, envOverlay(env, existsSync));
  return startableConfig(mergeGatewayConfig(withEnv, readJson(fragmentPath), operator));
}

/** Writes the config atomically; false when it is unchanged (no reload for the gateway). */
export function writeMergedConfig(): boolean {
  const config = gatewayConfig();
  const next = JSON.stringify(config, null, 2) + '\n';
  const current = existsSync(configPath) ? readFileSync(configPath, 'utf8') : undefined;
  if (current === next) return false;
  // The layout first, so an agent's directories exist when the gateway loads it.
  const agents = rosterWorkspaces(config);
  if (agents.length === 0) log(`no agents from the runtime yet (${fragmentPath}): the gateway starts without a roster and loads it when profile sync writes one`);
  ensureWorkspaceLayout(agents, workspaceRoot, log);
  const tmp = `${configPath}.${process.pid}.tmp`;
  writeFileSync(tmp, next, { mode: 0o600 });
  renameSync(tmp, configPath);
  return true;
}

/** Waits up to OPENCLAW_ROSTER_WAIT_SECONDS for the runtime's fragment, so the first config already has the roster. */
async function waitForRoster(): Promise<void> {
  const seconds = Number(env.OPENCLAW_ROSTER_WAIT_SECONDS ?? 0);
  if (!(seconds > 0) || existsSync(fragmentPath)) return;
  log(`waiting up to ${seconds} s for the runtime's roster at ${fragmentPath}`);
  const until = Date.now() + seconds * 1000;
  while (!existsSync(fragmentPath) && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
}

const childEnv = gatewayEnv(env);
const secrets = secretValues(childEnv);
const openclawBin = env.OPENCLAW_BIN ?? 'openclaw';

/**
 * OpenClaw gives its state-lease worker a fixed 5 s to come up; on a CPU-starved host the
 * gateway then exits during startup although nothing is wrong. Such an exit is retried here
 * (up to LEASE_RETRIES times) instead of becoming a container restart.
 */
const LEASE_TIMEOUT = 'state lease heartbeat did not become ready';
const LEASE_RETRIES = 3;
const leaseTimedOut = new WeakSet<ChildProcess>();

/** Starts an openclaw command with the allow-listed environment, its output scrubbed line by line. */
function run(args: string[]): ChildProcess {
  const child = spawn(openclawBin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    createInterface({ input: from!, crlfDelay: Infinity }).on('line', (line) => {
      if (line.includes(LEASE_TIMEOUT)) leaseTimedOut.add(child);
      to.write(scrub(line, secrets) + '\n');
    });
  }
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      log(`cannot run ${openclawBin}: ${err.message}`);
      resolve({ code: 127, signal: null });
    });
  });
}

const SESSION_CLEANUP_LIMIT_MS = 300_000;

/** OPENCLAW_SESSION_RETENTION_DAYS: prune the session store before the gateway opens it. */
async function pruneSessions(): Promise<void> {
  const days = retentionDays(env);
  if (days === undefined) return;
  log(days === 0 ? 'clearing the session store (transcripts and workspaces are kept)' : `pruning sessions idle for more than ${days} days`);
  const cleanup = run(['sessions', 'cleanup', '--all-agents', '--enforce']);
  // A cleanup that hangs must not keep the gateway down: it is stopped after SESSION_CLEANUP_LIMIT_MS.
  const timer = setTimeout(() => {
    log(`session cleanup still running after ${SESSION_CLEANUP_LIMIT_MS / 1000} s; stopping it`);
    cleanup.kill('SIGTERM');
  }, SESSION_CLEANUP_LIMIT_MS);
  const { code } = await exited(cleanup);
  clearTimeout(timer);
  if (code !== 0) log(`session cleanup exited ${code}; starting the gateway anyway`);
}

async function main(): Promise<void> {
  retentionDays(env); // a bad value stops here, before anything starts
  if (!childEnv.OPENCLAW_GATEWAY_TOKEN && !env.OPENCLAW_GATEWAY_ARGS) {
    throw new Error('OPENCLAW_GATEWAY_TOKEN is not set: the gateway uses token auth (Compose: set it in .env)');
  }
  await waitForRoster();
  writeMergedConfig();
  for (const lock of removeStaleBrowserLocks(stateDir)) log(`removed stale browser lock ${lock}`);
  const keys = providerKeys(childEnv);
  if (keys.length === 0) {
    log('no model provider key (ANTHROPIC_API_KEY, OPENAI_API_KEY, VERCEL_AI_GATEWAY_API_KEY, …): the gateway serves the Control UI, but agents cannot run until one is set');
  } else log(`model providers from the environment: ${keys.join(', ')}`);
  const ui = controlUiUrl(env);
  if (ui) log(`Control UI: ${ui} (sign in with the gateway token, OPENCLAW_GATEWAY_TOKEN; it is never printed)`);
  await pruneSessions();

  const args = (env.OPENCLAW_GATEWAY_ARGS ?? 'gateway run --port 18789 --bind lan --auth token').split(/\s+/).filter(Boolean);
  const restartOnChange = env.OPENCLAW_CONFIG_RELOAD === '1';
  let stopping: NodeJS.Signals | undefined;
  let restarting = false;
  let child = run(args);

  // Polling works on every volume driver; stat of a missing file counts as a change when it appears.
  watchFile(fragmentPath, { interval: Number(env.MC_FRAGMENT_POLL_MS ?? 2000) }, () => {
    try {
      if (!writeMergedConfig()) return;
      if (restartOnChange && !stopping && !restarting) {
        log('runtime profile changed; restarting the gateway (OPENCLAW_CONFIG_RELOAD=1)');
        restarting = true;
        child.kill('SIGTERM');
      } else log('runtime profile changed; gateway config updated');
    } catch (err) {
      log(`merge failed: ${(err as Error).message}`);
    }
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stopping = signal;
      child.kill(signal);
    });
  }
  let leaseRetries = 0;
  for (;;) {
    const { code, signal } = await exited(child);
    if (restarting && !stopping) {
      restarting = false;
      child = run(args);
      continue;
    }
    if (!stopping && code !== 0 && leaseTimedOut.has(child) && leaseRetries < LEASE_RETRIES) {
      leaseRetries += 1;
      log(`the gateway gave up during startup (${LEASE_TIMEOUT}: the host is short of CPU); starting it again (${leaseRetries}/${LEASE_RETRIES})`);
      await new Promise((r) => setTimeout(r, 2000));
      if (!stopping) {
        child = run(args);
        continue;
      }
    }
    unwatchFile(fragmentPath);
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 15) : 1));
  }
}

if (import.meta.main) {
  main().catch((err: Error) => {
    log(err.message);
    process.exit(78);
  });
}
