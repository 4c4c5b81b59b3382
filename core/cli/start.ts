/**
 * `mc-runtime start`: load config, boot the kernel, run until a signal or a
 * plugin's shutdown request, then stop gracefully. A second signal exits at once.
 */
import { channel } from 'node:diagnostics_channel';
import { loadConfig, ConfigError } from '../config/index.ts';
import { Kernel, BootError } from '../kernel.ts';
import { createLogger, SecretSet } from '../logger.ts';
import type { ConfigWatcher } from '../config-watch.ts';
import { runtimeVersion, STARTED_CHANNEL, type CliIo } from './context.ts';
import { acquireDataDirLock, leaseFromEnv, type DataDirLock } from '../data-dir-lock.ts';

export interface StartOptions {
  configPath: string;
  io: CliIo;
  env?: NodeJS.ProcessEnv;
}

/** Exit codes: 0 clean stop, 1 boot or runtime failure, 2 invalid config, 75 restart requested (EX_TEMPFAIL). */
export async function startCommand({ configPath, io, env = process.env }: StartOptions): Promise<number> {
  let config;
  try {
    config = await loadConfig({ file: configPath, env });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    throw err;
  }
  const secrets = new SecretSet();
  const logger = createLogger({ level: config.runtime.logLevel, secrets });
  // One runtime per data dir (core/data-dir-lock.ts): a second process refuses, naming the holder.
  let lock: DataDirLock;
  try {
    const log = (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>) => logger[level](fields, msg);
    lock = acquireDataDirLock({ dataDir: config.runtime.dataDir, leaseMs: leaseFromEnv(env), log, onLost: () => void shutdown('data dir lock lost', 1) });
  } catch (err) {
    io.err((err as Error).message);
    return (err as Error).message.startsWith('env:') ? 2 : 1;
  }
  let exitCode = 0;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  const kernel = new Kernel({
    config,
    logger,
    secrets,
    env,
    version: runtimeVersion(env),
    onShutdownRequest: (reason, code) => void shutdown(reason, code),
  });

  let shuttingDown = false;
  async function shutdown(reason: string, code: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    exitCode = code;
    // Backstop: never hang past the shutdown budget.
    const force = setTimeout(() => {
      logger.error({ reason }, 'shutdown did not finish in time; exiting');
      resolveDone(1);
    }, config!.runtime.shutdownTimeoutMs + 2000);
    force.unref();
    try {
      await kernel.stop(reason);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      exitCode = 1;
    }
    clearTimeout(force);
    resolveDone(exitCode);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      resolveDone(130);
      return;
    }
    logger.info({ signal }, 'signal received; shutting down gracefully');
    void shutdown(signal, 0);
  };
  const onFatal = (err: unknown) => {
    logger.fatal({ err }, 'unhandled error; shutting down');
    void shutdown('fatal error', 1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  logger.info(
    { version: kernel.runtime.version, config: config.file.source, plugins: config.plugins.map((p) => p.id), disabled: config.disabled.map((d) => `${d.use} (${d.reason})`) },
    'mc-runtime starting',
  );
  let watcher: ConfigWatcher | undefined;
  try {
    await kernel.start();
    // Imported once the runtime runs: the watcher (chokidar) is not part of getting to /livez.
    if (config.runtime.watchConfig) watcher = (await import('../config-watch.ts')).watchConfig(kernel, config, env);
    // Every plugin has started: what runs next is the work, no longer start-up (bin/load-program.js
    // writes its code cache here).
    channel(STARTED_CHANNEL).publish({ plugins: config.plugins.length });
  } catch (err) {
    if (err instanceof BootError) logger.fatal({ plugin: err.pluginId, err: err.cause }, err.message);
    else logger.fatal({ err }, 'boot failed');
    void shutdown('boot failed', 1);
  }
  const code = await done;
  await watcher?.close();
  lock.release();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.off('uncaughtException', onFatal);
  process.off('unhandledRejection', onFatal);
  logger.flush?.();
  return code;
}
