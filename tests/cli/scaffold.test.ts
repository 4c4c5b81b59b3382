/**
 * `mc-runtime new plugin|tool` in a temp copy of the runtime: the generated
 * folder's own test passes under vitest, and the printed config line loads it.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, REPO_ROOT, childEnv, type CliResult } from '../support/cli.ts';

let copy: string;

function run(args: string[], cwd = copy): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, args, { cwd, env: childEnv({ NO_COLOR: '1' }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const cli = (...args: string[]) => run([path.join(copy, 'bin', 'mc-runtime.js'), ...args]);

beforeAll(() => {
  copy = mkdtempSync(path.join(tmpdir(), 'mc-scaffold-'));
  for (const dir of ['bin', 'core', 'entry', 'sdk', 'config', path.join('tests', 'support'), path.join('plugins', 'catalog.ts')]) cpSync(path.join(REPO_ROOT, dir), path.join(copy, dir), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'package.json'), path.join(copy, 'package.json'));
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  writeFileSync(path.join(copy, 'vitest.config.ts'), "export default { test: { include: ['plugins/**/*.test.ts'], environment: 'node' } };\n");
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('mc-runtime new', () => {
  it('generates a plugin and a tool whose tests pass, and prints config lines that load them', async () => {
    const plugin = await cli('new', 'plugin', 'audit-log');
    expect(plugin).toMatchObject({ code: 0, stderr: '' });
    expect(plugin.stdout).toContain(`created ${path.join('plugins', 'audit-log', 'index.ts')}, ${path.join('plugins', 'audit-log', 'audit-log.test.ts')}`);
    expect(plugin.stdout).toMatch(/add to the "plugins" list of config\/default\.json:\n {2}"audit-log"\n$/);
    const tool = await cli('new', 'tool', 'shout_text');
    expect(tool.code).toBe(0);
    expect(tool.stdout).toMatch(/\n {2}"tool-shout-text"\n$/);

    const tests = await run([path.join(copy, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter', 'verbose']);
    // eslint-disable-next-line no-control-regex
    expect((tests.stdout + tests.stderr).replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests +4 passed \(4\)/);
    expect(tests.code).toBe(0);

    // The printed lines are what a config needs.
    writeFileSync(path.join(copy, 'config', 'both.json'), JSON.stringify({ plugins: ['audit-log', 'tool-shout-text'] }));
    const check = await cli('plugins', '--config', path.join('config', 'both.json'));
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/audit-log@0\.1\.0/);
    expect(check.stdout).toMatch(/tool-shout-text@0\.1\.0[^\n]*\n(?: +.*\n)*? +tools: +shout_text/);
  }, 240_000);

  it('prints a path line for a folder outside plugins/, and refuses bad names and overwrites', async () => {
    const outside = await cli('new', 'plugin', 'my-thing', '--dir', path.join('custom', 'my-thing'));
    expect(outside.code).toBe(0);
    expect(outside.stdout).toMatch(/\n {2}\{"use":"\.\.\/custom\/my-thing\/index\.ts"\}\n$/);
    const again = await cli('new', 'plugin', 'my-thing', '--dir', path.join('custom', 'my-thing'));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not overwriting .*index\.ts.*\(use --force\)/);
    const bad = await cli('new', 'plugin', 'MyThing');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"MyThing" is not a valid plugin id \(kebab-case/);
    expect((await cli('new', 'tool', 'Bad-Name')).stderr).toMatch(/not a valid tool name \(snake_case/);
  }, 240_000);
});
