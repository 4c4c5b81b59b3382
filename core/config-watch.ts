/**
 * Live option changes: watches the config file, validates the whole new config
 * and, when it is valid and the plugin set is unchanged, fires `onConfigChange`
 * for each plugin whose options changed (the kernel delivers each event only to
 * the plugin it names). An invalid edit keeps the running config; a changed
 * plugin set needs a restart (Node cannot unload modules).
 */
import { isDeepStrictEqual } from 'node:util';
import { watch, type FSWatcher } from 'chokidar';
import { loadConfig, type ResolvedConfig } from './config/index.ts';
import type { Kernel } from './kernel.ts';

export interface ConfigWatcher {
  close(): Promise<void>;
  /** Resolves after the next change was handled (tests). */
  settled(): Promise<void>;
}

export function watchConfig(kernel: Kernel, initial: ResolvedConfig, env: Readonly<Record<string, string | undefined>>, options: { stabilityMs?: number } = {}): ConfigWatcher {
  let current = initial;
  let handling: Promise<void> = Promise.resolve();
  const log = kernel.logger.child({ component: 'config-watch' });
  const watcher: FSWatcher = watch(initial.file.absolutePath, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: options.stabilityMs ?? 500, pollInterval: 50 },
  });

  async function apply(): Promise<void> {
    let next: ResolvedConfig;
    try {
      next = await loadConfig({ file: current.file.absolutePath, env });
    } catch (err) {
      log.error({ err: { message: (err as Error).message } }, 'config file changed but is invalid; keeping the running config');
      return;
    }
    const ids = (c: ResolvedConfig) => c.plugins.map((p) => p.id).join(',');
    if (ids(next) !== ids(current)) {
      log.warn({ running: ids(current), file: ids(next) }, 'plugin set changed in the config file; restart to apply it');
      return;
    }
    for (const plugin of next.plugins) {
      const previous = current.plugins.find((p) => p.id === plugin.id)!.options;
      if (isDeepStrictEqual(previous, plugin.options)) continue;
      for (const s of next.secrets) kernel.secrets.add(s);
      log.info({ plugin: plugin.id }, 'plugin options changed; applying');
      await kernel.hooks.onConfigChange.promise({ pluginId: plugin.id, options: plugin.options, previous });
    }
    current = next;
  }

  watcher.on('change', () => {
    handling = handling.then(apply);
  });
  return {
    close: () => watcher.close(),
    settled: () => handling,
  };
}
