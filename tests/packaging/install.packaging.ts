/**
 * Plugins from npm, as a user does it, outside the repository: `npm pack` the
 * runtime and the sample plugin (examples/plugin-word-count), install both
 * into a fresh directory (no checkout), name the plugin by package name in a
 * deployment config, then run the installed `mc-runtime`: check-config,
 * plugins --json, start — and prove the tool is offered (plugins, OpenAPI) and
 * callable through the HTTP fallback with the run token of a real delivery.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, NODE, REPO_ROOT } from '../support/cli.ts';
import { seededDb, type SeededDb } from '../support/seeded-db.ts';
import { startScriptedGateway, type ScriptedGateway, type ScriptedRequest } from '../support/scripted-gateway.ts';
import { userCreateTask } from '../../plugins/backend-local/admin.ts';
import { freePort } from '../support/free-port.ts';

const PLUGIN_DIR = path.join(REPO_ROOT, 'examples', 'plugin-word-count');

/** Runs npm (the one on PATH, as a user would) and returns the parsed `--json` output. */
function npm(args: string[], cwd: string): unknown {
  const r = spawnSync('npm', [...args, '--json', '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as unknown;
}

function pack(dir: string, destination: string): string {
  const [info] = npm(['pack', '--pack-destination', destination], dir) as Array<{ filename: string; files: { path: string }[] }>;
  return path.join(destination, info.filename);
}


/** Every string inside a request body (the run token and base URL are in the instructions). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

async function until<T>(fn: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the runtime and a plugin installed from packages (no checkout)', () => {
  let db: SeededDb;
  let app: string;
  let bin: string;
  let config: string;
  let gateway: ScriptedGateway;
  let port: number;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    db = seededDb('mc-packaging-');
    const tarballs = path.join(db.dir, 'tarballs');
    mkdirSync(tarballs);
    const runtimeTgz = pack(REPO_ROOT, tarballs);
    const pluginTgz = pack(PLUGIN_DIR, tarballs);
    app = path.join(db.dir, 'deployment');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'my-deployment', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', runtimeTgz, pluginTgz], app);
    bin = path.join(app, 'node_modules', 'mission-control-runtime', 'bin', 'mc-runtime.js');

    // A plugin by path whose route declares a JSON schema: fastify's schema compilers, which the
    // bundle leaves out and loads on first use (plugins/http), must resolve in an installed package.
    writeFileSync(
      path.join(app, 'schema-route.mjs'),
      [
        "import { definePlugin, HttpServiceRef, Type } from 'mission-control-runtime/plugin-sdk';",
        'export default definePlugin({',
        "  id: 'schema-route', version: '1.0.0', dependsOn: ['http'], configSchema: Type.Object({}),",
        '  register(api) {',
        "    api.use(HttpServiceRef).app.post('/echo', { schema: { body: Type.Object({ n: Type.Integer({ minimum: 1 }) }) } }, async (req) => ({ n: req.body.n }));",
        '  },',
        '});',
      ].join('\n'),
    );
    gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa'] });
    gateway.setDefault({ text: 'NOTHING_TO_ADD' });
    port = await freePort();
    config = path.join(app, 'runtime.json');
    writeFileSync(
      config,
      JSON.stringify({
        runtime: { dataDir: path.join(db.dir, 'data'), logLevel: 'info' },
        plugins: [
          { use: 'http', options: { port } },
          { use: 'backend-local', options: { path: db.dbPath } },
          { use: 'gateway-openclaw', options: { url: gateway.url, probeIntervalMs: 200, downRetryMinMs: 100 } },
          'agent-http',
          'tools-task',
          { use: 'mc-plugin-word-count', options: { maxMessages: 20 } },
          './schema-route.mjs',
          'delivery-policy',
          // clientTools: false makes agents use the HTTP fallback with a run token.
          { use: 'delivery', options: { clientTools: false, intervalMs: 1000 } },
        ],
      }),
    );
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await gateway?.close();
    if (db) rmSync(db.dir, { recursive: true, force: true });
  });

  const run = (args: string[]) => spawnSync(NODE, [bin, ...args], { cwd: app, env: childEnv(), encoding: 'utf8', timeout: 60_000 });

  it('installs as JavaScript: no TypeScript sources in the package, the SDK entry has declarations', () => {
    const pkg = path.join(app, 'node_modules', 'mission-control-runtime');
    expect(existsSync(path.join(pkg, 'core'))).toBe(false);
    expect(existsSync(path.join(pkg, 'dist', 'sdk', 'plugin-sdk.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist', 'sdk', 'plugin-sdk.d.ts'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist', 'core', 'loader.test.js'))).toBe(false);
  });

  it('check-config accepts the deployment config naming the plugin by package name', () => {
    const r = run(['check-config', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('OK (9 plugins:');
    expect(r.stdout).toContain('word-count');
  });

  it('check-config accepts config/examples/with-custom-tool.json (the default set plus the package)', () => {
    const file = path.join(app, 'with-custom-tool.json');
    copyFileSync(path.join(REPO_ROOT, 'config', 'examples', 'with-custom-tool.json'), file);
    const r = run(['check-config', '--config', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/OK \(18 plugins: .*tools-orchestrator, agent-http, word-count, delivery/);
  });

  it('plugins shows the package and version as the source, with the tool and the SDK range', () => {
    const json = run(['plugins', '--config', config, '--json']);
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as { plugins: Array<Record<string, unknown>> };
    expect(report.plugins.find((p) => p.id === 'word-count')).toMatchObject({
      source: 'package',
      specifier: 'mc-plugin-word-count',
      package: 'mc-plugin-word-count@1.0.0',
      sdk: '^1.0.0',
      tools: ['task_word_count'],
    });
    expect(report.plugins.find((p) => p.id === 'delivery')).toMatchObject({ source: 'builtin' });
    const text = run(['plugins', '--config', config]);
    expect(text.stdout).toMatch(/word-count@1\.0\.0 +\[package mc-plugin-word-count@1\.0\.0\]/);
  });

  it('start offers the tool in OpenAPI and an agent calls it through the HTTP fallback with its run token', async () => {
    const calls: Array<{ status: number; body: Record<string, unknown> }> = [];
    const unauthenticated: number[] = [];
    gateway.script('engineer', [
      async (req: ScriptedRequest) => {
        const text = strings(req.body).join('\n');
        // The token is handed over for the exec tool's env only (docs/security.md), never in a command.
        const token = /with env \{"[A-Z_]+": "([^"]+)"\}/.exec(text)?.[1];
        const base = /(http:\/\/[^\s]+)\/agent\/<tool-name-with-dashes>/.exec(text)?.[1];
        if (!token || !base) return { text: 'no run token or base URL in the instructions' };
        const url = `${base}/agent/task-word-count`;
        unauthenticated.push((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ includeThread: false }) });
        const body = (await res.json()) as Record<string, unknown>;
        calls.push({ status: res.status, body });
        return { text: `Counted ${JSON.stringify(body.data)}` };
      },
    ]);
    child = spawn(NODE, [bin, 'start', '--config', config], { cwd: app, env: childEnv() });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await until(() => (output.includes('"msg":"runtime started"') ? true : undefined), 30_000, `runtime started; output:\n${output}`);

    const openapi = (await (await fetch(`http://127.0.0.1:${port}/agent/openapi.json`)).json()) as { paths: Record<string, { post: Record<string, unknown> }> };
    expect(openapi.paths['/agent/task-word-count'].post).toMatchObject({ operationId: 'task_word_count', summary: 'count the words of a task' });
    const echo = (n: number) => fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
    expect(await (await echo(2)).json()).toEqual({ n: 2 });
    const refused = await echo(0);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/n/);

    const taskId = db.write((ctx) => userCreateTask(ctx, db.seed.userId, { title: 'Count these five words', description: 'and three more', assignedAgentIds: [db.seed.agents.engineer] }));
    const call = await until(() => calls[0], 60_000, `the agent's HTTP tool call; output:\n${output}`);
    expect(unauthenticated).toEqual([401]);
    expect(call).toEqual({ status: 200, body: { success: true, data: { taskId, words: { task: 7, thread: 0, total: 7 } } } });

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => (child!.exitCode !== null ? resolve(child!.exitCode) : child!.once('exit', (c) => resolve(c))));
    expect(code).toBe(0);
  });
});
