/**
 * Builds a real kernel in memory for tests: the same config resolution, option
 * validation, ordering and lifecycle as `mc-runtime start`, with plugins given
 * as definitions or as `use` specifiers (built-in ids, paths), and log lines
 * captured for assertions.
 *
 *   const t = await createTestKernel({ plugins: [{ plugin: myPlugin, options: { … } }, { use: 'backend-local', options: { path } }] });
 *   await t.kernel.start(); … t.logs.lines() …; await t.kernel.stop();
 */
import { Writable } from 'node:stream';
import path from 'node:path';
import { loadConfig, type ResolvedConfig } from '../../core/config/index.ts';
import { Kernel, type KernelOptions } from '../../core/kernel.ts';
import { createLogger, SecretSet, type LogLevel } from '../../core/logger.ts';
import type { AnyPluginDefinition } from '../../core/plugin.ts';
import type { Clock } from '../../core/clock.ts';

export interface TestPluginEntry {
  /** A plugin definition (inline), or … */
  plugin?: AnyPluginDefinition;
  /** … a specifier as in a config file (built-in id or path relative to `configDir`). */
  use?: string;
  options?: Record<string, unknown>;
  onBootFailure?: 'abort' | 'continue';
  bootTimeoutMs?: number;
  hookTimeoutMs?: number;
}

export interface CreateTestKernelOptions {
  plugins: TestPluginEntry[];
  runtime?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  /** Directory paths in `use` are relative to (default: repo root). */
  configDir?: string;
  logLevel?: LogLevel;
  clock?: Clock;
  version?: string;
  onShutdownRequest?: KernelOptions['onShutdownRequest'];
}

/** Captures NDJSON log lines written by pino. */
export class LogCapture extends Writable {
  readonly #chunks: string[] = [];

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#chunks.push(chunk.toString());
    done();
  }

  text(): string {
    return this.#chunks.join('');
  }

  lines(): Array<Record<string, unknown>> {
    return this.text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  find(predicate: (line: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.lines().find(predicate);
  }
}

export interface TestKernel {
  kernel: Kernel;
  config: ResolvedConfig;
  logs: LogCapture;
}

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function createTestKernel(options: CreateTestKernelOptions): Promise<TestKernel> {
  const definitions = new Map<string, AnyPluginDefinition>();
  const entries = options.plugins.map((p, i) => {
    const use = p.use ?? `inline:${p.plugin?.id ?? i}`;
    if (p.plugin) definitions.set(use, p.plugin);
    const entry: Record<string, unknown> = { use };
    if (p.options) entry.options = p.options;
    if (p.onBootFailure) entry.onBootFailure = p.onBootFailure;
    if (p.bootTimeoutMs) entry.bootTimeoutMs = p.bootTimeoutMs;
    if (p.hookTimeoutMs) entry.hookTimeoutMs = p.hookTimeoutMs;
    return entry;
  });
  const env = options.env ?? {};
  const configDir = options.configDir ?? REPO_ROOT;
  const config = await loadConfig({
    file: path.join(configDir, 'test-config.json'),
    document: { runtime: { logLevel: options.logLevel ?? 'debug', ...options.runtime }, plugins: entries },
    env,
    definitions,
  });
  const logs = new LogCapture();
  const secrets = new SecretSet();
  const logger = createLogger({ level: config.runtime.logLevel, destination: logs, secrets });
  const kernel = new Kernel({ config, logger, secrets, env, clock: options.clock, version: options.version ?? '0.0.0-test', onShutdownRequest: options.onShutdownRequest });
  return { kernel, config, logs };
}
