/** What every CLI command shares: where the repo is, which config file, the environment. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { PACKAGE_ROOT } from '../layout.ts';

export { PACKAGE_ROOT };
export const DEFAULT_CONFIG = path.join(PACKAGE_ROOT, 'config', 'default.json');

/**
 * Published by `start` once every plugin has started (`{ plugins }`: how many). The program exports
 * it (entry/mc-runtime.ts): bin/load-program.js writes its code cache then.
 */
export const STARTED_CHANNEL = 'mc-runtime.started';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** Reads `.env` from the working directory into process.env (existing variables win). */
export function loadDotEnv(cwd = process.cwd()): string | undefined {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}

export function configPathFrom(option: string | true | undefined): string {
  if (typeof option === 'string') return path.resolve(option);
  return process.env.MC_RUNTIME_CONFIG ? path.resolve(process.env.MC_RUNTIME_CONFIG) : DEFAULT_CONFIG;
}

/** The version to report: RUNTIME_VERSION, else package.json (never a made-up default). */
export function runtimeVersion(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.RUNTIME_VERSION?.trim()) return env.RUNTIME_VERSION.trim();
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
