/**
 * What `mc-runtime start` (the built program, as `npm start` runs it) has loaded by the time its
 * server listens: none of the Node built-ins that start-up defers (scripts/bundle-lazy.mjs,
 * core/lazy-crypto.ts; docs/performance.md). A probe loaded with `--import` records Node's own
 * list of loaded built-ins when the listen completes (diagnostics_channel `net.server.listen`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, NODE, REPO_ROOT } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';
import { startScriptedGateway, type ScriptedGateway } from '../support/scripted-gateway.ts';
// @ts-expect-error a plain-JavaScript build script without declarations
import { DEFERRED_BUILTINS } from '../../scripts/bundle-lazy.mjs';

// Built-ins by getBuiltinModule: an ES import of node:fs would itself load modules (its ES facade).
const PROBE = `const dc = process.getBuiltinModule('node:diagnostics_channel');
const { writeFileSync } = process.getBuiltinModule('node:fs');
dc.tracingChannel('net.server.listen').subscribe({
  asyncEnd() {
    const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    writeFileSync(process.env.MC_PROBE_OUT, JSON.stringify(builtins));
  },
});
`;

describe('start-up of the built program', () => {
  let dir: string;
  let gateway: ScriptedGateway;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    const build = spawnSync(NODE, [path.join(REPO_ROOT, 'scripts', 'build-dist.mjs'), '--if-stale'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mc-startup-modules-'));
    writeFileSync(path.join(dir, 'probe.mjs'), PROBE);
    gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa'] });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens before loading node:crypto or any built-in the bundle defers', async () => {
    const out = path.join(dir, 'builtins.json');
    const port = await freePort();
    const env = childEnv({ MC_RUNTIME_FROM_SOURCE: '0', RUNTIME_DATA_DIR: path.join(dir, 'data'), HEALTH_PORT: String(port), OPENCLAW_GATEWAY_URL: gateway.url, MC_PROBE_OUT: out });
    let output = '';
    child = spawn(NODE, ['--max-semi-space-size=1', '--import', pathToFileURL(path.join(dir, 'probe.mjs')).href, path.join(REPO_ROOT, 'bin', 'mc-runtime.js'), 'start'], { cwd: REPO_ROOT, env });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!existsSync(out) || !output.includes('"msg":"runtime started"')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no listen or no start; output:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const builtins = JSON.parse(readFileSync(out, 'utf8')) as string[];
    // The probe saw the real list: what the server and the store need is in it.
    expect(builtins).toEqual(expect.arrayContaining(['net', 'http', 'sqlite']));
    for (const deferred of ['crypto', ...(DEFERRED_BUILTINS as string[])]) expect(builtins, `${deferred} was loaded before the server listened`).not.toContain(deferred);
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  });
});
