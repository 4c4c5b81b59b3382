/**
 * Commands contributed by plugins (`definePlugin({ commands })`). The CLI finds
 * them through the config: every entry of the file is imported — also entries
 * whose `if`/`unless` condition is off, so `mc-runtime local` still reaches the
 * embedded backend's file when the environment selects Convex. The kernel is
 * never built; a command reads its plugin's settings only when it needs them.
 */
import path from 'node:path';
import { loadConfig, ConfigError } from '../config/index.ts';
import { readConfigFile } from '../config/file.ts';
import type { ConfigIssue } from '../config/issues.ts';
import { loadPlugin } from '../loader.ts';
import type { CommandIo, PluginCommand, PluginSettings } from './contract.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface DiscoveredCommand {
  pluginId: string;
  command: PluginCommand;
}

export interface Discovery {
  commands: DiscoveredCommand[];
  /** Why some or all plugin commands could not be collected (unreadable config, a module that fails to load, a clash). */
  problems: string[];
}

/** Collects the commands of every plugin the config file names. */
export async function discoverCommands(configPath: string, env: Env, reserved: ReadonlySet<string>): Promise<Discovery> {
  const issues: ConfigIssue[] = [];
  const problems: string[] = [];
  const raw = readConfigFile(configPath, env, issues);
  if (!raw) return { commands: [], problems: issues.map((i) => `${i.source}: ${i.message}`) };
  const commands: DiscoveredCommand[] = [];
  for (const { entry } of raw.entries) {
    if (entry.enabled === false) continue;
    const loaded = await loadPlugin(entry.use, raw.dir, (message) => problems.push(`${entry.use}: ${message}`));
    for (const command of loaded?.definition.commands ?? []) {
      const pluginId = loaded!.definition.id;
      const clash = reserved.has(command.name) ? 'a built-in command' : commands.find((c) => c.command.name === command.name)?.pluginId;
      if (clash) problems.push(`command "${command.name}" of plugin ${pluginId} ignored: the name is taken by ${clash}`);
      else commands.push({ pluginId, command });
    }
  }
  return { commands, problems };
}

/** The settings a plugin command asks for, tolerant of a config that does not (fully) validate. */
export async function pluginSettings(configPath: string, pluginId: string, env: Env): Promise<PluginSettings> {
  try {
    const config = await loadConfig({ file: configPath, env });
    const plugin = config.plugins.find((p) => p.id === pluginId);
    return {
      dataDir: path.resolve(config.runtime.dataDir),
      options: plugin?.options,
      problem: plugin ? undefined : `plugin ${pluginId} is not loaded by ${config.file.source} (${config.disabled.map((d) => `${d.use}: ${d.reason}`).join('; ') || 'not listed'})`,
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const fileDataDir = readConfigFile(configPath, env, [])?.runtime.dataDir;
    const dataDir = env.RUNTIME_DATA_DIR || (typeof fileDataDir === 'string' ? fileDataDir : '.runtime');
    return { dataDir: path.resolve(dataDir), options: undefined, problem: err.message };
  }
}

export async function runPluginCommand(found: DiscoveredCommand, argv: string[], io: CommandIo, configPath: string, env: Env): Promise<number> {
  return found.command.run(argv, { io, configPath, env, settings: () => pluginSettings(configPath, found.pluginId, env) });
}
