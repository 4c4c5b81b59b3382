/**
 * The loader's plugin SDK compatibility check and source reporting: a plugin
 * built for another SDK major is refused before anything starts, with a
 * message naming the plugin, its range and this runtime's SDK version; a
 * plugin from an installed package reports itself as `name@version`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../tests/support/cli.ts';
import { loadConfig, ConfigError } from './config/index.ts';
import { definePlugin, PLUGIN_SDK_VERSION } from './plugin.ts';
import Type from 'typebox';

/** The CLI as a child process; a generous kill guard for a loaded machine (not a timing assertion). */
const cli = (args: string[]) => runCli(args, { timeoutMs: 120_000 });

const PLUGIN_TS = pathToFileURL(path.resolve(import.meta.dirname, 'plugin.ts')).href;

/** A plugin module in `dir` stating `sdk` (undefined: states none). */
function writePlugin(dir: string, file: string, id: string, sdk: string | undefined): void {
  writeFileSync(
    path.join(dir, file),
    `import { definePlugin } from ${JSON.stringify(PLUGIN_TS)};
export default definePlugin({
  id: ${JSON.stringify(id)},
  version: '3.1.0',
  ${sdk === undefined ? '' : `sdk: ${JSON.stringify(sdk)},`}
  configSchema: { type: 'object', properties: {} },
  register(api) { api.logger.info('registered ${id}'); return { start() { api.logger.info('started ${id}'); } }; },
});
`,
  );
}

describe('plugin SDK compatibility', { timeout: 240_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mc-sdk-range-'));
    writePlugin(dir, 'old.ts', 'old-plugin', '^0.4.0');
    writePlugin(dir, 'current.ts', 'current-plugin', `^${PLUGIN_SDK_VERSION.split('.')[0]}.0.0`);
    writePlugin(dir, 'unstated.ts', 'unstated-plugin', undefined);
    writeFileSync(path.join(dir, 'incompatible.json'), JSON.stringify({ runtime: { dataDir: dir }, plugins: ['./current.ts', './old.ts'] }));
    writeFileSync(path.join(dir, 'compatible.json'), JSON.stringify({ runtime: { dataDir: dir }, plugins: ['./current.ts', './unstated.ts'] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a plugin whose range excludes this SDK, naming the plugin, its range and the SDK version', async () => {
    const err = await loadConfig({ file: path.join(dir, 'incompatible.json'), env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([
      expect.objectContaining({
        path: '/plugins/1/use',
        plugin: './old.ts',
        message: expect.stringContaining(`plugin "old-plugin" (./old.ts) was built for plugin SDK ^0.4.0, but this runtime provides plugin SDK ${PLUGIN_SDK_VERSION}`),
      }),
    ]);
  });

  it('loads plugins in range and plugins that state no range', async () => {
    const config = await loadConfig({ file: path.join(dir, 'compatible.json'), env: {} });
    expect(config.plugins.map((p) => [p.id, p.definition.sdk])).toEqual([
      ['current-plugin', `^${PLUGIN_SDK_VERSION.split('.')[0]}.0.0`],
      ['unstated-plugin', undefined],
    ]);
  });

  it('mc-runtime start refuses before any plugin registers or starts; check-config reports the same', async () => {
    const start = await cli(['start', '--config', path.join(dir, 'incompatible.json')]);
    expect(start.code).not.toBe(0);
    expect(start.stderr + start.stdout).toContain(`plugin "old-plugin" (./old.ts) was built for plugin SDK ^0.4.0, but this runtime provides plugin SDK ${PLUGIN_SDK_VERSION}`);
    expect(start.stdout + start.stderr).not.toMatch(/registered current-plugin|started current-plugin|runtime started/);
    const check = await cli(['check-config', '--config', path.join(dir, 'incompatible.json')]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('incompatible.json:/plugins/1/use (./old.ts): plugin "old-plugin" (./old.ts) was built for plugin SDK ^0.4.0');
  });

  it('definePlugin rejects a range that is not semver', () => {
    expect(() => definePlugin({ id: 'typo', version: '1.0.0', sdk: 'one point oh', configSchema: Type.Object({}), register() {} })).toThrow(
      'plugin "typo" has an invalid sdk range "one point oh" (use a semver range such as "^1.0.0")',
    );
  });
});

describe('plugin source of an installed package', { timeout: 240_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mc-plugin-pkg-'));
    const pkg = path.join(dir, 'node_modules', '@acme', 'mc-audit');
    mkdirSync(path.join(pkg, 'lib'), { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@acme/mc-audit', version: '2.3.4', type: 'module', exports: { '.': './lib/index.js' } }));
    // Plain JavaScript (Node does not strip types under node_modules); a definition object is a plugin.
    writeFileSync(
      path.join(pkg, 'lib', 'index.js'),
      `export default { id: 'audit', version: '2.3.4', sdk: '^1.0.0', dependsOn: [], provides: [], configSchema: { type: 'object', properties: {} }, register() {} };\n`,
    );
    writeFileSync(path.join(dir, 'runtime.json'), JSON.stringify({ runtime: { dataDir: dir }, plugins: ['@acme/mc-audit'] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mc-runtime plugins shows it as package name@version', async () => {
    const json = await cli(['plugins', '--config', path.join(dir, 'runtime.json'), '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { plugins: unknown[] }).plugins).toEqual([
      expect.objectContaining({ id: 'audit', source: 'package', specifier: '@acme/mc-audit', package: '@acme/mc-audit@2.3.4', sdk: '^1.0.0' }),
    ]);
    const text = await cli(['plugins', '--config', path.join(dir, 'runtime.json')]);
    expect(text.stdout).toContain('1. audit@2.3.4  [package @acme/mc-audit@2.3.4]');
  });
});

describe('the plugin SDK entry from a plugin outside node_modules', { timeout: 240_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mc-sdk-entry-'));
    const sample = path.resolve(import.meta.dirname, '..', 'examples', 'plugin-word-count', 'index.js');
    writeFileSync(path.join(dir, 'runtime.json'), JSON.stringify({ runtime: { dataDir: dir }, plugins: ['backend-local', sample] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves mission-control-runtime/plugin-sdk to the loading runtime (the sample package by path, runtime on sources)', async () => {
    const r = await cli(['plugins', '--config', path.join(dir, 'runtime.json'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { plugins: unknown[] }).plugins).toContainEqual(
      expect.objectContaining({ id: 'word-count', source: 'path', sdk: '^1.0.0', tools: ['task_word_count'], state: 'registered' }),
    );
  });
});
