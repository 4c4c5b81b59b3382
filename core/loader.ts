/**
 * Resolves the plugins a config names — built-in ids, paths relative to the
 * config file, or npm package names — and orders them by declared dependencies.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isPluginDefinition, type AnyPluginDefinition } from './plugin.ts';
import type { ConfigIssue } from './config/issues.ts';

const PLUGINS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'plugins');

export type PluginSourceKind = 'builtin' | 'path' | 'package';

export interface LoadedPlugin {
  definition: AnyPluginDefinition;
  source: PluginSourceKind;
  /** What the config said (`use`). */
  specifier: string;
}

export function builtinPluginIds(): string[] {
  if (!existsSync(PLUGINS_DIR)) return [];
  return readdirSync(PLUGINS_DIR)
    .filter((d) => existsSync(path.join(PLUGINS_DIR, d, 'index.ts')))
    .sort();
}

function isPathSpecifier(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || path.isAbsolute(use);
}

async function importDefinition(url: string): Promise<unknown> {
  const mod = (await import(url)) as { default?: unknown; plugin?: unknown };
  return mod.default ?? mod.plugin;
}

/** Loads one plugin module; problems are recorded as issues against `at`. */
export async function loadPlugin(
  use: string,
  configDir: string,
  report: (message: string) => void,
): Promise<LoadedPlugin | undefined> {
  let url: string;
  let source: PluginSourceKind;
  if (isPathSpecifier(use)) {
    const file = path.resolve(configDir, use);
    if (!existsSync(file)) {
      report(`plugin file ${use} not found (paths are relative to the config file)`);
      return undefined;
    }
    url = pathToFileURL(file).href;
    source = 'path';
  } else if (/^[a-z][a-z0-9-]*$/.test(use) && existsSync(path.join(PLUGINS_DIR, use, 'index.ts'))) {
    url = pathToFileURL(path.join(PLUGINS_DIR, use, 'index.ts')).href;
    source = 'builtin';
  } else {
    source = 'package';
    try {
      url = pathToFileURL(createRequire(path.join(configDir, 'package.json')).resolve(use)).href;
    } catch {
      try {
        url = import.meta.resolve(use);
      } catch {
        const known = builtinPluginIds();
        report(
          `"${use}" is not a built-in plugin (${known.join(', ') || 'none'}), a path (start it with ./) or an installed npm package`,
        );
        return undefined;
      }
    }
  }
  let exported: unknown;
  try {
    exported = await importDefinition(url);
  } catch (err) {
    report(`cannot load plugin module "${use}": ${(err as Error).message}`);
    return undefined;
  }
  if (!isPluginDefinition(exported)) {
    report(`module "${use}" does not export a plugin (export default definePlugin({...}))`);
    return undefined;
  }
  return { definition: exported, source, specifier: use };
}

export interface OrderInput {
  id: string;
  dependsOn: string[];
  optionalDependsOn: string[];
  provides: string[];
  /** For messages. */
  source: string;
  at: string;
}

/**
 * Topological order by dependencies (plugin ids or service ids), stable with
 * respect to config order. Reports missing dependencies and cycles.
 */
export function orderPlugins(items: OrderInput[], issues: ConfigIssue[]): string[] | undefined {
  const byId = new Map(items.map((i) => [i.id, i]));
  const providerOf = new Map<string, string>();
  for (const item of items) {
    for (const service of item.provides) {
      const other = providerOf.get(service);
      if (other) {
        issues.push({ source: item.source, path: item.at, plugin: item.id, message: `provides "${service}", which plugin "${other}" already provides (use only one)` });
      } else providerOf.set(service, item.id);
    }
  }
  const edges = new Map<string, Set<string>>(); // id -> ids it depends on
  let ok = true;
  for (const item of items) {
    const deps = new Set<string>();
    const resolve = (dep: string, optional: boolean) => {
      const target = byId.has(dep) ? dep : providerOf.get(dep);
      if (target === undefined) {
        if (!optional) {
          issues.push({ source: item.source, path: item.at, plugin: item.id, message: `depends on "${dep}", but no plugin in the config is or provides "${dep}"` });
          ok = false;
        }
        return;
      }
      if (target !== item.id) deps.add(target);
    };
    item.dependsOn.forEach((d) => resolve(d, false));
    item.optionalDependsOn.forEach((d) => resolve(d, true));
    edges.set(item.id, deps);
  }
  if (!ok) return undefined;
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    // Visit dependencies in config order so the result is stable.
    for (const dep of items.map((i) => i.id).filter((x) => edges.get(id)?.has(x))) visit(dep, [...trail, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const item of items) visit(item.id, []);
  for (const cycle of cycles) {
    const first = byId.get(cycle[0])!;
    issues.push({ source: first.source, path: first.at, plugin: first.id, message: `dependency cycle: ${cycle.join(' -> ')}` });
  }
  return cycles.length ? undefined : order;
}
