/**
 * The catalog of built-in plugins is what the program (and its bundle) loads
 * built-in ids from: it must name every plugin folder, and each entry must
 * load the plugin with that id.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPluginIds, loadPlugin, registerBuiltinPlugins } from '../core/loader.ts';
import { builtinPlugins } from './catalog.ts';

const folders = readdirSync(import.meta.dirname).filter((d) => existsSync(path.join(import.meta.dirname, d, 'index.ts')));

describe('plugins/catalog.ts', () => {
  it('names exactly the plugin folders', () => {
    expect(Object.keys(builtinPlugins).sort()).toEqual(folders.sort());
  });

  it('loads, for each id, the plugin with that id', async () => {
    for (const [id, load] of Object.entries(builtinPlugins)) {
      const mod = await load();
      expect((mod.default as { id?: unknown } | undefined)?.id, id).toBe(id);
    }
  });

  it('is what the loader resolves built-in ids through once registered', async () => {
    const fromFolders = builtinPluginIds();
    let imported = '';
    registerBuiltinPlugins({
      health: async () => {
        imported = 'health';
        return builtinPlugins.health();
      },
    });
    expect(builtinPluginIds()).toEqual(fromFolders);
    const problems: string[] = [];
    const loaded = await loadPlugin('health', import.meta.dirname, (m) => problems.push(m));
    expect(problems).toEqual([]);
    expect(loaded).toMatchObject({ source: 'builtin', specifier: 'health', definition: { id: 'health' } });
    expect(imported).toBe('health');
    // An id the catalog does not name still resolves to its folder (a plugin made by `mc-runtime new plugin`).
    expect((await loadPlugin('delivery', import.meta.dirname, (m) => problems.push(m)))?.definition.id).toBe('delivery');
    expect(builtinPluginIds()).toEqual(fromFolders);
    expect(await loadPlugin('no-such-plugin', import.meta.dirname, (m) => problems.push(m))).toBeUndefined();
    expect(problems.join()).toMatch(/"no-such-plugin" is not a built-in plugin \(agent-http, /);
    registerBuiltinPlugins(Object.fromEntries(fromFolders.map((id) => [id, builtinPlugins[id]])));
  });
});
