/**
 * Resolves the plugins a config names — built-in ids, paths relative to the
 * config file, or npm package names — and orders them by declared dependencies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import satisfies from 'semver/functions/satisfies.js';
import { isPluginDefinition, PLUGIN_SDK_VERSION, type AnyPluginDefinition } from './plugin.ts';
import type { ConfigIssue } from './config/issues.ts';
import { MODULE_EXT, PLUGINS_DIR, SDK_ENTRY } from './layout.ts';

/** Built-in plugins are `index.ts` in the sources and `index.js` in the bundle (dist/). */
const BUILTIN_ENTRY = `index${MODULE_EXT}`;

/** The public SDK entry plugins import, and this runtime's own copy of it. */
export const PLUGIN_SDK_SPECIFIER = 'mission-control-runtime/plugin-sdk';
const OWN_SDK = pathToFileURL(SDK_ENTRY);
let sdkHookInstalled = false;

/**
 * Makes `import … from 'mission-control-runtime/plugin-sdk'` in any plugin
 * module resolve to the SDK of the runtime that loads it — wherever the plugin
 * is installed (next to the config, in the image's node_modules, a path in a
 * checkout) and whether this runtime runs compiled or from sources. So a
 * plugin always shares this runtime's definePlugin, typebox and SDK version,
 * never a second copy (OpenClaw aliases `openclaw/plugin-sdk` the same way).
 */
function installSdkResolution(): void {
  if (sdkHookInstalled || !existsSync(OWN_SDK)) return;
  sdkHookInstalled = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === PLUGIN_SDK_SPECIFIER) return { url: OWN_SDK.href, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}

export type PluginSourceKind = 'builtin' | 'path' | 'package';

export interface LoadedPlugin {
  definition: AnyPluginDefinition;
  source: PluginSourceKind;
  /** What the config said (`use`). */
  specifier: string;
  /** For `package` plugins: the installed package as `name@version` (from its package.json). */
  package?: string;
}

/** A built-in plugin's module, imported on demand: `() => import('./delivery/index.ts')`. */
export type BuiltinPluginModule = () => Promise<{ default?: unknown; plugin?: unknown }>;

let builtinCatalog: ReadonlyMap<string, BuiltinPluginModule> | undefined;

/**
 * Names the built-in plugins by id, with a function that imports each. The
 * program's entry module (entry/mc-runtime.ts) registers the catalog of
 * plugins/catalog.ts, so a bundle that inlines the built-in plugins into one
 * file still loads each only when a config names it. An id the catalog does
 * not name resolves to a `plugins/<id>/index.ts` file when there is one: the
 * kernel used on its own (tests), or a plugin made by `mc-runtime new plugin`
 * in a checkout.
 */
export function registerBuiltinPlugins(catalog: Readonly<Record<string, BuiltinPluginModule>>): void {
  builtinCatalog = new Map(Object.entries(catalog));
}

export function builtinPluginIds(): string[] {
  const ids = new Set(builtinCatalog?.keys());
  if (existsSync(PLUGINS_DIR)) for (const d of readdirSync(PLUGINS_DIR)) if (existsSync(path.join(PLUGINS_DIR, d, BUILTIN_ENTRY))) ids.add(d);
  return [...ids].sort();
}

function isPathSpecifier(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || path.isAbsolute(use);
}

/**
 * Imports a plugin module by URL. In the bundle, the program's loader (bin/load-program.js) hands it
 * an `importModule` on `import.meta`: the one `import()` of the program then runs in an ES module of
 * Node's own loader, not through vm's (experimental) dynamic-import hook.
 */
const importModule =
  (import.meta as ImportMeta & { importModule?: (url: string) => Promise<unknown> }).importModule ?? ((url: string) => import(url));

async function importDefinition(from: string | BuiltinPluginModule): Promise<unknown> {
  const mod = (typeof from === 'string' ? await importModule(from) : await from()) as { default?: unknown; plugin?: unknown };
  return mod.default ?? mod.plugin;
}

/** Loads one plugin module; problems are recorded as issues against `at`. */
export async function loadPlugin(
  use: string,
  configDir: string,
  report: (message: string) => void,
): Promise<LoadedPlugin | undefined> {
  let url: string | BuiltinPluginModule;
  let source: PluginSourceKind;
  const builtin = builtinCatalog?.get(use);
  if (builtin) {
    url = builtin;
    source = 'builtin';
  } else if (isPathSpecifier(use)) {
    const file = path.resolve(configDir, use);
    if (!existsSync(file)) {
      report(`plugin file ${use} not found (paths are relative to the config file)`);
      return undefined;
    }
    url = pathToFileURL(file).href;
    source = 'path';
  } else if (/^[a-z][a-z0-9-]*$/.test(use) && existsSync(path.join(PLUGINS_DIR, use, BUILTIN_ENTRY))) {
    url = pathToFileURL(path.join(PLUGINS_DIR, use, BUILTIN_ENTRY)).href;
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
  if (source !== 'builtin') installSdkResolution();
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
  const pkg = source === 'package' && typeof url === 'string' ? installedPackage(use, fileURLToPath(url)) : undefined;
  const incompatible = sdkIncompatibility(exported, pkg ?? use);
  if (incompatible) {
    report(incompatible);
    return undefined;
  }
  return { definition: exported, source, specifier: use, ...(pkg ? { package: pkg } : {}) };
}

/**
 * Why a plugin cannot run on this runtime's plugin SDK, or undefined when it
 * can (or states no range). Checked at load time, so an incompatible plugin
 * stops the config before any plugin registers or starts.
 */
export function sdkIncompatibility(definition: AnyPluginDefinition, from: string): string | undefined {
  const range = definition.sdk;
  if (range === undefined || satisfies(PLUGIN_SDK_VERSION, range)) return undefined;
  return (
    `plugin "${definition.id}" (${from}) was built for plugin SDK ${range}, ` +
    `but this runtime provides plugin SDK ${PLUGIN_SDK_VERSION}: install a version of the plugin built for SDK ${PLUGIN_SDK_VERSION}`
  );
}

/** Package name of a bare specifier: `pkg/sub` → `pkg`, `@scope/pkg/sub` → `@scope/pkg`. */
function packageName(use: string): string {
  const parts = use.split('/');
  return use.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** `name@version` of the installed package a plugin module belongs to (nearest package.json with that name). */
function installedPackage(use: string, file: string): string {
  const name = packageName(use);
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (json.name === name) return `${name}@${json.version ?? 'unknown'}`;
      } catch {
        // An unreadable manifest on the way up: keep looking.
      }
    }
    if (path.dirname(dir) === dir) return name;
  }
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
