/**
 * Loads and validates a whole configuration: the file, the environment, every
 * plugin module and its options, and the dependency order. Every problem is
 * collected and reported together; nothing starts unless all of it is valid.
 */
import Value from 'typebox/value';
import { loadPlugin, orderPlugins, type LoadedPlugin, type OrderInput } from '../loader.ts';
import path from 'node:path';
import type { AnyPluginDefinition, EnvBinding } from '../plugin.ts';
import { ConfigError, pointer, type ConfigIssue } from './issues.ts';
import { conditionHolds, displayPath, parseConfigDocument, readConfigFile, RuntimeSectionSchema, type PluginEntry, type RawConfigFile, type RuntimeSection } from './file.ts';
import { resolvePluginOptions, secretValues } from './options.ts';

export { ConfigError, formatIssue, type ConfigIssue } from './issues.ts';
export type { PluginEntry, RuntimeSection } from './file.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables of the runtime section (not of any plugin). */
export const RUNTIME_ENV: Record<string, EnvBinding> = {
  ACCOUNT_ID: { path: 'accountId', type: 'string' },
  LOG_LEVEL: { path: 'logLevel', type: 'string' },
  RUNTIME_DATA_DIR: { path: 'dataDir', type: 'string' },
  SHUTDOWN_TIMEOUT_MS: { path: 'shutdownTimeoutMs', type: 'integer' },
};

export interface ResolvedPlugin extends LoadedPlugin {
  id: string;
  entry: PluginEntry;
  /** Index of the entry in the file's `plugins` array. */
  index: number;
  options: Record<string, unknown>;
  onBootFailure: 'abort' | 'continue';
  bootTimeoutMs: number;
  hookTimeoutMs: number;
}

export interface DisabledEntry {
  use: string;
  index: number;
  reason: string;
}

export interface ResolvedConfig {
  file: RawConfigFile;
  runtime: RuntimeSection;
  /** In start order. */
  plugins: ResolvedPlugin[];
  disabled: DisabledEntry[];
  /** Secret values found in options (for log redaction). */
  secrets: string[];
}

export interface LoadConfigOptions {
  /** Config file path. */
  file: string;
  /** A parsed document to use instead of reading `file` (tests); `file` then only names it. */
  document?: unknown;
  env?: Env;
  /** Plugin definitions by `use` specifier, used instead of importing modules (tests). */
  definitions?: ReadonlyMap<string, AnyPluginDefinition>;
}

export async function loadConfig({ file, document, env = process.env, definitions }: LoadConfigOptions): Promise<ResolvedConfig> {
  const issues: ConfigIssue[] = [];
  const normalizedEnv: Env = env.LOG_LEVEL ? { ...env, LOG_LEVEL: env.LOG_LEVEL.trim().toLowerCase() } : env;
  const raw =
    document === undefined
      ? readConfigFile(file, normalizedEnv, issues)
      : parseConfigDocument(document, { source: displayPath(path.resolve(file)), absolutePath: path.resolve(file) }, normalizedEnv, issues);
  if (!raw) throw new ConfigError(issues);

  const runtime = resolvePluginOptions(
    { pluginId: 'runtime', schema: RuntimeSectionSchema, bindings: RUNTIME_ENV, fileOptions: raw.runtime, source: raw.source, at: '/runtime', env: normalizedEnv },
    issues,
  ) as RuntimeSection | undefined;

  const disabled: DisabledEntry[] = [];
  const loaded: Array<{ index: number; entry: PluginEntry; plugin: LoadedPlugin }> = [];
  for (const { index, entry } of raw.entries) {
    if (entry.enabled === false) {
      disabled.push({ use: entry.use, index, reason: 'enabled: false' });
      continue;
    }
    if (entry.if && !conditionHolds(entry.if, normalizedEnv)) {
      disabled.push({ use: entry.use, index, reason: `none of ${entry.if.anyEnv.join(', ')} is set` });
      continue;
    }
    if (entry.unless && conditionHolds(entry.unless, normalizedEnv)) {
      disabled.push({ use: entry.use, index, reason: `${entry.unless.anyEnv.filter((n) => normalizedEnv[n]).join(', ')} is set` });
      continue;
    }
    const at = pointer('plugins', index, 'use');
    const predefined = definitions?.get(entry.use);
    const plugin: LoadedPlugin | undefined = predefined
      ? { definition: predefined, source: 'path', specifier: entry.use }
      : await loadPlugin(entry.use, raw.dir, (message) => issues.push({ source: raw.source, path: at, plugin: entry.use, message }));
    if (plugin) loaded.push({ index, entry, plugin });
  }

  const seen = new Map<string, number>();
  const resolved: ResolvedPlugin[] = [];
  for (const { index, entry, plugin } of loaded) {
    const id = plugin.definition.id;
    const at = pointer('plugins', index);
    if (seen.has(id)) {
      issues.push({ source: raw.source, path: at, plugin: id, message: `plugin "${id}" is listed twice (first at /plugins/${seen.get(id)})` });
      continue;
    }
    seen.set(id, index);
    const options = resolvePluginOptions(
      { pluginId: id, schema: plugin.definition.configSchema, bindings: plugin.definition.env, fileOptions: entry.options, source: raw.source, at: `${at}/options`, env: normalizedEnv },
      issues,
    );
    if (!options) continue;
    resolved.push({
      ...plugin,
      id,
      entry,
      index,
      options,
      onBootFailure: entry.onBootFailure ?? 'abort',
      bootTimeoutMs: entry.bootTimeoutMs ?? runtime?.bootTimeoutMs ?? 15_000,
      hookTimeoutMs: entry.hookTimeoutMs ?? runtime?.hookTimeoutMs ?? 30_000,
    });
  }

  const orderInputs: OrderInput[] = resolved.map((p) => ({
    id: p.id,
    dependsOn: p.definition.dependsOn ?? [],
    optionalDependsOn: p.definition.optionalDependsOn ?? [],
    provides: p.definition.provides ?? [],
    source: raw.source,
    at: pointer('plugins', p.index),
  }));
  const order = issues.length === 0 ? orderPlugins(orderInputs, issues) : undefined;
  if (issues.length > 0 || !order || !runtime) throw new ConfigError(issues);

  const byId = new Map(resolved.map((p) => [p.id, p]));
  const plugins = order.map((id) => byId.get(id)!);
  const secrets = plugins.flatMap((p) => secretValues(p.definition.configSchema, p.options));
  return { file: raw, runtime: Value.Clone(runtime), plugins, disabled, secrets };
}
