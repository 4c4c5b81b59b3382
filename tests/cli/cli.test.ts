import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, startCli } from '../support/cli.ts';

function tempConfig(doc: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-cli-'));
  const file = path.join(dir, 'runtime.json');
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}

const greeterPath = path.join(REPO_ROOT, 'tests', 'fixtures', 'plugins', 'greeter', 'index.ts');

describe('mc-runtime check-config', () => {
  it('lists every mistake with its path and plugin and exits non-zero', async () => {
    const file = tempConfig({
      plugins: [
        { use: 'http', options: { port: 'not-a-port', colour: 'blue' } },
        { use: 'no-such-plugin' },
        { use: greeterPath, options: { greeting: '${ENV:GREETING_TEXT}' } },
      ],
    });
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').map((l) => l.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/runtime\.json:\/plugins\/0\/options\/colour \(http\): unknown option \(allowed: host, port, publicUrl, bodyLimitBytes, requestTimeoutMs\)$/),
        expect.stringMatching(/runtime\.json:\/plugins\/0\/options\/port \(http\): must be integer \(got "not-a-port"\)$/),
        expect.stringMatching(/runtime\.json:\/plugins\/1\/use \(no-such-plugin\): "no-such-plugin" is not a built-in plugin \(.*http.*\), a path \(start it with \.\/\) or an installed npm package$/),
        expect.stringMatching(/runtime\.json:\/plugins\/2\/options\/greeting \(.*greeter\/index\.ts\): environment variable GREETING_TEXT is not set/),
      ]),
    );
    expect(result.stderr).toMatch(/invalid configuration \(4 problems\)/);
  });

  it('blames an environment variable by name', async () => {
    const file = tempConfig({ plugins: ['http'] });
    const result = await runCli(['check-config', '--config', file], { env: { HEALTH_PORT: '70000' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/env:HEALTH_PORT:\/plugins\/0\/options\/port \(http\): must be <= 65535 \(got 70000\)/);
  });

  it('reports a file that is not JSON with its line', async () => {
    const result = await runCli(['check-config', '--config', tempConfig('{\n  "plugins": [\n    "http",\n  ]\n}')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/runtime\.json \(config\): not valid JSON: line 4/);
  });

  it('accepts a valid config and exits 0', async () => {
    const file = tempConfig({ plugins: ['http', { use: greeterPath, options: { greeting: 'hi' } }] });
    const result = await runCli(['check-config', '--config', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/OK \(2 plugins: http, greeter\)/);
  });
});

describe('mc-runtime plugins', () => {
  it('prints plugins in resolved load order, including one loaded by path', async () => {
    // greeter depends on http, so http loads first even though it is listed second.
    const file = tempConfig({ plugins: [{ use: greeterPath }, 'http'] });
    const result = await runCli(['plugins', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ 1\. http@1\.0\.0 +\[builtin\][\s\S]* 2\. greeter@2\.1\.0 +\[path .*greeter\/index\.ts\][\s\S]*hooks: +onStart/);
    const json = JSON.parse((await runCli(['plugins', '--config', file, '--json'])).stdout) as { plugins: Array<{ id: string }> };
    expect(json.plugins.map((p) => p.id)).toEqual(['http', 'greeter']);
  });
});

describe('mc-runtime start', () => {
  it('starts, serves, and stops gracefully on SIGTERM with exit code 0', async () => {
    const file = tempConfig({ plugins: [{ use: greeterPath, options: { greeting: 'ahoy' } }, { use: 'http', options: { port: 0 } }] });
    const run = startCli(['--config', file]);
    await run.waitFor(/"msg":"greeter ready"/);
    expect(run.output()).toContain('"greeting":"ahoy"');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/"msg":"runtime stopped"/);
  });

  it('a second signal exits at once even when a drain hangs', async () => {
    const stuck = path.join(REPO_ROOT, 'tests', 'fixtures', 'plugins', 'stuck', 'index.ts');
    const file = tempConfig({ runtime: { shutdownTimeoutMs: 60_000 }, plugins: [{ use: 'http', options: { port: 0 } }, { use: stuck }] });
    const run = startCli(['--config', file]);
    await run.waitFor(/"msg":"runtime started"/);
    run.child.kill('SIGTERM');
    await run.waitFor(/"msg":"stuck draining"/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(130);
    expect(run.output()).toMatch(/second signal: exiting now/);
  });

  it('refuses to start on an invalid config, before any plugin starts', async () => {
    const file = tempConfig({ plugins: [{ use: 'http', options: { port: -1 } }] });
    const run = startCli(['--config', file]);
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/\/plugins\/0\/options\/port \(http\): must be >= 0/);
    expect(run.output()).not.toMatch(/listening/);
  });
});
