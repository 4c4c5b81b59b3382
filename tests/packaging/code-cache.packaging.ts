/**
 * The built program's own V8 code cache (bin/load-program.js): made after a command ran (at exit)
 * or once `start` has started every plugin, read by the next process, written again when V8
 * rejects it, and never taken from a directory other users could write to. Observed from
 * outside, as an operator would: the cache files, and that each command still works.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, NODE, REPO_ROOT } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'mc-runtime.js');

describe('the code cache of the built program', () => {
  let dir: string;
  let cacheRoot: string;
  let cacheDir: string;

  beforeAll(() => {
    const build = spawnSync(NODE, [path.join(REPO_ROOT, 'scripts', 'build-dist.mjs'), '--if-stale'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mc-code-cache-'));
    cacheRoot = path.join(dir, 'cache');
    cacheDir = path.join(cacheRoot, 'mc-runtime');
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
      expect(output).toContain('"msg":"runtime started"');
      expect(child.exitCode).toBeNull();
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

  it('NODE_DISABLE_COMPILE_CACHE=1 turns it off', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    const r = spawnSync(NODE, [BIN, 'version'], { cwd: dir, env: env({ NODE_DISABLE_COMPILE_CACHE: '1' }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(() => readdirSync(cacheDir)).toThrow(/ENOENT/);
  });

  it('with --enable-source-maps, stack traces of the program name the TypeScript sources', () => {
    const script = `import { loadProgram } from ${JSON.stringify(new URL('../../bin/load-program.js', import.meta.url).href)};
try { loadProgram().definePlugin(null); } catch (err) { console.log(err.stack); }`;
    const r = spawnSync(NODE, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: dir, env: env(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/at .*definePlugin \(.*core[\\/]plugin\.ts:\d+:\d+\)/);
  });
});
