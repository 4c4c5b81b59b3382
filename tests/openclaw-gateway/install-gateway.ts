/**
 * Installs the pinned OpenClaw gateway (npm `openclaw@OPENCLAW_VERSION`) with Node 24 into a cache
 * outside `node_modules`, and reuses it when present. It is a test peer, never a runtime dependency.
 *
 *   node tests/openclaw-gateway/install-gateway.ts      # prints the path of the `openclaw` binary
 *
 * Cache dir: `MC_OPENCLAW_CACHE_DIR`, else `$XDG_CACHE_HOME/mc-runtime` (default `~/.cache/mc-runtime`),
 * one folder per version: `<cache>/openclaw-<version>/`. A finished install writes `.installed`;
 * a half-finished one (no marker) is removed and redone. Any failure throws: the suite never skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The one place the suite pins the gateway version (keep in step with docker-compose and openclaw/Dockerfile). */
export const OPENCLAW_VERSION = '2026.9.6';

export function cacheRoot(): string {
  if (process.env.MC_OPENCLAW_CACHE_DIR) return path.resolve(process.env.MC_OPENCLAW_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'mc-runtime');
}

export interface InstalledGateway {
  dir: string;
  /** `<dir>/node_modules/.bin/openclaw` */
  bin: string;
  version: string;
  /** True when this call installed it (false: reused from the cache). */
  fresh: boolean;
}

function binOf(dir: string): string {
  return path.join(dir, 'node_modules', '.bin', 'openclaw');
}

/** The Node 24 this process runs on; the gateway refuses anything older than 24.16 at install and at run time. */
function nodeBinDir(): string {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 24 || (major === 24 && minor < 16)) {
    throw new Error(`installing openclaw needs Node >= 24.16 first in PATH; this is Node ${process.versions.node} (${process.execPath})`);
  }
  return path.dirname(process.execPath);
}

export function installGateway(version = OPENCLAW_VERSION, log: (line: string) => void = (l) => console.error(l)): InstalledGateway {
  const dir = path.join(cacheRoot(), `openclaw-${version}`);
  const marker = path.join(dir, '.installed');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === version && existsSync(binOf(dir))) {
    return { dir, bin: binOf(dir), version, fresh: false };
  }
  mkdirSync(cacheRoot(), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'mc-openclaw-peer', private: true }) + '\n');
  const nodeDir = nodeBinDir();
  const env = {
    ...process.env,
    // npm's shebang is `env node`: Node 24 must come first in PATH *during* install (openclaw's preinstall checks).
    PATH: `${nodeDir}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: path.dirname(nodeDir),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  log(`[openclaw-install] installing openclaw@${version} with Node ${process.versions.node} into ${dir} (about a minute cold)`);
  const started = Date.now();
  const res = spawnSync('npm', ['install', '--no-save', '--foreground-scripts', '--loglevel=error', `openclaw@${version}`], {
    cwd: tmp, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error || res.status !== 0) {
    const tail = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`npm install openclaw@${version} failed (${res.error?.message ?? `exit ${res.status}`}):\n${tail}`);
  }
  const check = spawnSync(binOf(tmp), ['--version'], { env, encoding: 'utf8' });
  if (check.status !== 0 || !check.stdout.includes(version)) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`installed openclaw does not report ${version}: ${check.stdout}${check.stderr}`);
  }
  writeFileSync(path.join(tmp, '.installed'), `${version}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`[openclaw-install] ${check.stdout.trim()} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return { dir, bin: binOf(dir), version, fresh: true };
}

if (import.meta.main) {
  try {
    const gw = installGateway();
    console.log(gw.bin);
  } catch (err) {
    console.error(`[openclaw-install] ${(err as Error).message}`);
    process.exit(1);
  }
}
