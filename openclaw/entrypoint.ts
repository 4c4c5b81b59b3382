/**
 * Gateway container entrypoint: writes the gateway config (base + the runtime's
 * profile-sync fragment), re-merges whenever the fragment changes — including
 * its first creation, which a baseline-less watcher would miss — and runs
 * `openclaw gateway run` in the foreground, forwarding SIGTERM/SIGINT.
 * The gateway hot-reloads agents and skills, so no restart is needed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mergeGatewayConfig } from './merge-config.ts';

const basePath = process.env.OPENCLAW_BASE_CONFIG ?? path.join(import.meta.dirname, 'openclaw.base.json');
const fragmentPath = process.env.MC_RUNTIME_FRAGMENT ?? '/workspace/openclaw.json';
const configPath = process.env.OPENCLAW_CONFIG_PATH ?? path.join(process.env.HOME ?? '/home/node', '.openclaw', 'openclaw.json');
// Optional operator overlay (model providers, bind, …) layered over the base, under the runtime's roster.
const operatorPath = process.env.OPENCLAW_OPERATOR_CONFIG || undefined;

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    console.error(`[entrypoint] ignoring unreadable ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

export function writeMergedConfig(): boolean {
  const base = readJson(basePath);
  if (!base) throw new Error(`base config ${basePath} is missing or invalid`);
  const operator = operatorPath ? readJson(operatorPath) : undefined;
  if (operatorPath && !operator) throw new Error(`operator config ${operatorPath} is missing or invalid`);
  const next = JSON.stringify(mergeGatewayConfig(base, readJson(fragmentPath), operator), null, 2) + '\n';
  const current = existsSync(configPath) ? readFileSync(configPath, 'utf8') : undefined;
  if (current === next) return false;
  const tmp = `${configPath}.${process.pid}.tmp`;
  writeFileSync(tmp, next, { mode: 0o600 });
  renameSync(tmp, configPath);
  return true;
}

if (import.meta.main) {
  writeMergedConfig();
  // Polling works on every volume driver; stat of a missing file counts as a change when it appears.
  watchFile(fragmentPath, { interval: 2000 }, () => {
    try {
      if (writeMergedConfig()) console.error('[entrypoint] runtime profile changed; gateway config updated');
    } catch (err) {
      console.error(`[entrypoint] merge failed: ${(err as Error).message}`);
    }
  });
  const args = (process.env.OPENCLAW_GATEWAY_ARGS ?? 'gateway run --port 18789 --bind lan --auth token').split(/\s+/).filter(Boolean);
  const child = spawn('openclaw', args, { stdio: 'inherit', env: process.env });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    unwatchFile(fragmentPath);
    process.exit(code ?? (signal ? 128 + 15 : 1));
  });
}
