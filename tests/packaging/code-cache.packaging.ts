/**
 * The built program's own V8 code cache (bin/load-program.js): made after a command ran (at exit)
 * or once `start` has started every plugin, read by the next process, written again when V8
 * rejects it, and never taken from a directory other users could write to. Observed from
 * outside, as an operator would: the cache files, and that each command still works.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, NODE, REPO_ROOT } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'mc-runtime.js');
/** The mtime npm gives every file of an installed package (1985-10-26), in seconds. */
const NPM_MTIME = 499162500;

describe('the code cache of the built program', () => {
  let dir: string;
  let cacheRoot: string;
  let cacheDir: string;

  beforeAll(() => {
    const build = spawnSync(NODE, [path.join(REPO_ROOT, 'scripts', 'build-dist.mjs'), '--if-stale'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mc-code-cache-'));
    cacheRoot = path.join(dir, 'cache');
    cacheDir = path.join(cacheRoot, `mc-runtime-${process.getuid?.() ?? 'user'}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) =>
    childEnv({ MC_RUNTIME_FROM_SOURCE: '0', NODE_COMPILE_CACHE: cacheRoot, RUNTIME_DATA_DIR: path.join(dir, 'data'), ...extra });
  const run = (...args: string[]) => {
    const r = spawnSync(NODE, [BIN, ...args], { cwd: dir, env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const cacheFiles = (word: string) => readdirSync(cacheDir, { withFileTypes: true }).filter((e) => e.name.includes(`-${word}.`)).map((e) => path.join(cacheDir, e.name));

  it('a command writes its cache when it exits; the next run reads it and leaves it as it is', () => {
    const version = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    expect(run('version').trim()).toBe(version);
    const [file] = cacheFiles('version');
    expect(file, 'a cache file for `version`').toBeDefined();
    expect(statSync(file!).size).toBeGreaterThan(100_000);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const first = statSync(file!).mtimeMs;
    expect(run('version').trim()).toBe(version);
    expect(cacheFiles('version')).toEqual([file]);
    expect(statSync(file!).mtimeMs, 'an accepted cache is not written again').toBe(first);
  });

  it('a cache V8 rejects is written again, and the command still works', () => {
    const [file] = cacheFiles('version');
    writeFileSync(file!, Buffer.alloc(4096, 7));
    expect(run('version').trim()).not.toBe('');
    const rewritten = readFileSync(file!);
    expect(rewritten.length).toBeGreaterThan(100_000);
    expect(rewritten.subarray(0, 4096).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('`start` writes its cache once every plugin has started, while it runs', async () => {
    const port = await freePort();
    const child = spawn(NODE, ['--max-semi-space-size=1', BIN, 'start'], { cwd: dir, env: env({ HEALTH_PORT: String(port) }) });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (cacheFiles('start').length === 0) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start cache; output:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The log line may reach the pipe after the cache file (pino writes asynchronously).
      while (!output.includes('"msg":"runtime started"')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`cache written, but no "runtime started"; output:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(child.exitCode).toBeNull();
      // Written after the kernel logged that every plugin started (file times come from the
      // kernel's coarse clock, a few ms behind: 20 ms of slack, against ~100+ ms of plugin starts).
      const startedAt = Date.parse((JSON.parse(output.split('\n').find((l) => l.includes('"msg":"runtime started"'))!) as { time: string }).time);
      expect(statSync(cacheFiles('start')[0]).mtimeMs).toBeGreaterThanOrEqual(startedAt - 20);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(cacheFiles('start')).toHaveLength(1);
  });

  it('a cache directory that other users can write to is neither read nor written', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    chmodSync(cacheDir, 0o777);
    run('version');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('a cache directory that is a symbolic link is neither read nor written, even to a directory of this user', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    const elsewhere = mkdtempSync(path.join(dir, 'elsewhere-'));
    chmodSync(elsewhere, 0o700);
    symlinkSync(elsewhere, cacheDir);
    run('version');
    expect(readdirSync(elsewhere)).toEqual([]);
    rmSync(cacheDir, { force: true });
  });

  it('a command that fails leaves no cache behind (a mistyped command is not a command)', () => {
    const r = spawnSync(NODE, [BIN, 'no-such-command'], { cwd: dir, env: env(), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => n.includes('-no-such-command.')) : []).toEqual([]);
  });

  it('a plugin named by path loads into the running program without a warning on stderr', async () => {
    const config = path.join(dir, 'with-path-plugin.json');
    const plugin = path.join(REPO_ROOT, 'examples', 'plugin-word-count', 'index.js');
    writeFileSync(config, JSON.stringify({ runtime: { dataDir: path.join(dir, 'data-path-plugin') }, plugins: ['http', 'backend-local', 'tools-task', { use: plugin }] }));
    const port = await freePort();
    const child = spawn(NODE, ['--max-semi-space-size=1', BIN, 'start', '--config', config], { cwd: dir, env: env({ HEALTH_PORT: String(port) }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('"msg":"runtime started"')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start; output:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // A warning is written on a later tick than the import that caused it.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(stdout).toContain('word-count');
    expect(stderr).not.toMatch(/Warning/);
  });

  it('NODE_DISABLE_COMPILE_CACHE=1 turns it off', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    const r = spawnSync(NODE, [BIN, 'version'], { cwd: dir, env: env({ NODE_DISABLE_COMPILE_CACHE: '1' }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(() => readdirSync(cacheDir)).toThrow(/ENOENT/);
  });

  it('a program rebuilt with other content of the same size and mtime does not read the old cache', () => {
    // An installed layout of its own (no sources beside it: bin/ runs dist/ as it is), as npm leaves
    // it: every file with the same mtime, and V8 checks a cache only against the source's length.
    const pkg = mkdtempSync(path.join(dir, 'pkg-'));
    for (const part of ['bin', 'dist', 'config', 'package.json']) cpSync(path.join(REPO_ROOT, part), path.join(pkg, part), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    const program = path.join(pkg, 'dist', 'core', 'cli', 'main.cjs');
    utimesSync(program, NPM_MTIME, NPM_MTIME);
    const help = () => {
      const r = spawnSync(NODE, [path.join(pkg, 'bin', 'mc-runtime.js'), 'help'], { cwd: dir, env: env(), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(help()).toContain('in the working directory is read');
    expect(readdirSync(cacheDir).filter((n) => n.includes('-help.'))).toHaveLength(1);
    // "Rebuild" it: the same length, other text, the same mtime (npm gives every file one), and the
    // build's record of its hash.
    writeFileSync(program, readFileSync(program, 'latin1').replace('in the working directory is read', 'in the WORKING DIRECTORY is read'), 'latin1');
    utimesSync(program, NPM_MTIME, NPM_MTIME);
    const infoFile = path.join(pkg, 'dist', 'build-info.json');
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(infoFile, JSON.stringify({ ...info, programHash: createHash('sha256').update(readFileSync(program)).digest('hex') }));
    expect(help()).toContain('in the WORKING DIRECTORY is read');
  });

  it('with --enable-source-maps, stack traces of the program name the TypeScript sources', () => {
    const script = `import { loadProgram } from ${JSON.stringify(new URL('../../bin/load-program.js', import.meta.url).href)};
try { loadProgram().definePlugin(null); } catch (err) { console.log(err.stack); }`;
    const r = spawnSync(NODE, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: dir, env: env(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/at .*definePlugin \(.*core[\\/]plugin\.ts:\d+:\d+\)/);
  });
});
