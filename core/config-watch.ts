/**
 * Live option changes: watches the config file, validates the whole new config
 * and, when it is valid and the plugin set is unchanged, fires `onConfigChange`
 * for each plugin whose options changed (the kernel delivers each event only to
 * the plugin it names). An invalid edit keeps the running config; a changed
 * plugin set needs a restart (Node cannot unload modules).
 *
 * Only options a plugin applies while running are live: a plugin is live when it
 * taps `onConfigChange`. Changes to any other plugin's options, and to the
 * runtime section (the kernel applies none of it live), are rejected with a
 * message naming them, and the running options stay what they were.
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

/** Top-level option keys whose values differ (sorted). */
export function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !isDeepStrictEqual(before[k], after[k])).sort();
}

export function watchConfig(kernel: Kernel, initial: ResolvedConfig, env: Readonly<Record<string, string | undefined>>, options: { stabilityMs?: number } = {}): ConfigWatcher {
  const file = initial.file.absolutePath;
  const pluginIds = initial.plugins.map((p) => p.id).join(',');
  /** What actually runs: changes that were rejected are not recorded here. */
  const running = new Map(initial.plugins.map((p) => [p.id, p.options]));
  const runtime = initial.runtime as unknown as Record<string, unknown>;
  let handling: Promise<void> = Promise.resolve();
  const log = kernel.logger.child({ component: 'config-watch' });
  const watcher: FSWatcher = watch(file, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: options.stabilityMs ?? 500, pollInterval: 50 },
  });

  const isLive = (pluginId: string) => kernel.record(pluginId)?.hooks.has('onConfigChange') ?? false;

  async function apply(): Promise<void> {
    let next: ResolvedConfig;
    try {
      next = await loadConfig({ file, env });
    } catch (err) {
      log.error({ err: { message: (err as Error).message } }, 'config file changed but is invalid; keeping the running config');
      return;
    }
    const ids = next.plugins.map((p) => p.id).join(',');
    if (ids !== pluginIds) {
      log.warn({ running: pluginIds, file: ids }, 'plugin set changed in the config file; restart to apply it');
      return;
    }
    const rejected = changedKeys(runtime, next.runtime as unknown as Record<string, unknown>).map((k) => `runtime.${k}`);
    const live: Array<{ id: string; keys: string[]; options: Record<string, unknown>; previous: Record<string, unknown> }> = [];
    for (const plugin of next.plugins) {
      const previous = running.get(plugin.id)!;
      const keys = changedKeys(previous, plugin.options);
      if (keys.length === 0) continue;
      if (isLive(plugin.id)) live.push({ id: plugin.id, keys, options: plugin.options, previous });
      else rejected.push(...keys.map((k) => `${plugin.id}.${k}`));
    }
    if (rejected.length > 0) {
      rejected.sort();
      log.error({ options: rejected }, `config change not applied: ${rejected.join(', ')} ${rejected.length === 1 ? 'is' : 'are'} not live (no plugin applies them while running); restart to apply`);
    }
    for (const s of next.secrets) kernel.secrets.add(s);
    for (const change of live) {
      log.info({ plugin: change.id, options: change.keys }, 'plugin options changed; applying');
      await kernel.hooks.onConfigChange.promise({ pluginId: change.id, options: change.options, previous: change.previous });
      running.set(change.id, change.options);
      log.info({ plugin: change.id, options: change.keys }, 'plugin options applied');
    }
  }

  watcher.on('change', () => {
    handling = handling.then(apply);
  });
  return {
    close: () => watcher.close(),
    settled: () => handling,
  };
}
