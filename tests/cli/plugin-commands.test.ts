/**
 * Plugins contribute CLI commands (`definePlugin({ commands })`): the CLI finds
 * them through the config, lists them in the usage text and runs them with the
 * plugin's settings; core/cli imports nothing from plugins/.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli as runCliRaw } from '../support/cli.ts';

/** A loaded machine makes each CLI process slow: allow it time (never an assertion on duration). */
const runCli = (args: string[], options: Parameters<typeof runCliRaw>[1] = {}) => runCliRaw(args, { timeoutMs: 100_000, ...options });

const commander = path.join(REPO_ROOT, 'tests', 'fixtures', 'plugins', 'commander', 'index.ts');

function tempConfig(doc: unknown): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-cmd-'));
  const file = path.join(dir, 'runtime.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return { file, dir };
}

describe('plugin-contributed commands', () => {
  it("runs a fixture plugin's command with its validated options (env applied) and the data dir", async () => {
    const { file, dir } = tempConfig({ runtime: { dataDir: 'state' }, plugins: [{ use: commander, options: { word: 'hi' } }] });
    const fromFile = await runCli(['say', 'ada', 'bob', '--config', file], { cwd: dir });
    expect(fromFile).toMatchObject({ code: 0, stderr: '' });
    expect(fromFile.stdout.split('\n')).toEqual(['hi, ada', 'hi, bob', `data dir: ${path.join(dir, 'state')}`, '']);
    const fromEnv = await runCli(['say', 'ada', '--config', file], { cwd: dir, env: { COMMANDER_WORD: 'yo' } });
    expect(fromEnv.stdout).toMatch(/^yo, ada$/m);
    expect((await runCli(['plugins', '--config', file], { cwd: dir })).stdout).toMatch(/commander@1\.0\.0 .*\n +commands: +say, start\n/);
  }, 240_000);

  it('lists plugin commands in the usage text, aligned with the built-in ones, and keeps built-ins first', async () => {
    const { file } = tempConfig({ plugins: [commander] });
    const help = await runCli(['help', '--config', file]);
    expect(help.code).toBe(0);
    const rows = help.stdout.split('\n').filter((l) => /^ {2}\S/.test(l) && !l.includes('not available'));
    const say = rows.find((l) => l.startsWith('  say <name> …'));
    expect(say).toMatch(/print the configured word to each name \[commander\]$/);
    // Every summary starts in the same column (no usage runs into its summary).
    const columns = new Set(rows.filter((l) => /\S {2,}\S/.test(l)).map((l) => l.search(/(?<=\S {2,})\S/)));
    expect(columns.size).toBe(1);
    expect(help.stdout).toMatch(/command "start" of plugin commander ignored: the name is taken by a built-in command/);
    expect(rows.filter((l) => l.startsWith('  start'))).toHaveLength(1);
  }, 240_000);

  it('a command of a plugin that the config does not validate gets the reason, not a crash', async () => {
    const { file, dir } = tempConfig({ plugins: [{ use: commander, options: { colour: 'blue' } }] });
    const result = await runCli(['say', 'x', '--config', file], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/commander is not configured: invalid configuration .*\n.*\/plugins\/0\/options\/colour \(commander\): unknown option/);
  }, 240_000);

  it('an unknown command prints the usage with the plugin commands and exits 1', async () => {
    const { file } = tempConfig({ plugins: [commander] });
    const result = await runCli(['nope', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown command "nope"/);
    expect(result.stderr).toMatch(/^ {2}say <name> …/m);
  }, 240_000);

  it('the built-in plugins contribute `local` and `deliveries` through the default config', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mc-cmd-data-'));
    const env = { RUNTIME_DATA_DIR: dataDir };
    const seed = await runCli(['local', 'seed'], { env });
    expect(seed.code).toBe(0);
    const agents = await runCli(['local', 'agents'], { env });
    expect(agents.stdout).toMatch(/orion/);
    expect(readdirSync(dataDir)).toContain('mission-control.sqlite');
    const stats = await runCli(['deliveries', 'stats'], { env });
    expect(stats).toMatchObject({ code: 0 });
    expect(stats.stdout).toMatch(/no delivery state yet/);
    // With the Convex variables set, backend-local is not loaded, but its command still reaches the file.
    const convex = await runCli(['local', 'agents'], { env: { ...env, ACCOUNT_ID: 'a', CONVEX_URL: 'http://127.0.0.1:9', SERVICE_TOKEN: 'mc_service_a_x' } });
    expect(convex.stdout).toMatch(/orion/);
  }, 240_000);

  it('core/ imports nothing under plugins/', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.ts') && /from ['"][./]*plugins\/|import\(['"][./]*plugins\//.test(readFileSync(file, 'utf8'))) offenders.push(path.relative(REPO_ROOT, file));
      }
    };
    walk(path.join(REPO_ROOT, 'core'));
    expect(offenders).toEqual([]);
  }, 240_000);
});

describe('mc-runtime --version', () => {
  it('--version and -v answer like `version`', async () => {
    const version = await runCli(['version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      expect(result).toEqual({ code: 0, stdout: version.stdout, stderr: '' });
    }
    expect((await runCli(['-v'], { env: { RUNTIME_VERSION: '9.9.9' } })).stdout).toBe('9.9.9\n');
  }, 240_000);
});
