/**
 * scripts/bundle-lazy.mjs: the stand-ins it puts in the bundle defer loading a module, and
 * everything a dependency does with one still reaches the real module. Bundles a small program
 * with the real dependencies and the build's plugins, runs it with Node, and reads what it loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE, REPO_ROOT } from '../support/cli.ts';
// @ts-expect-error a plain-JavaScript build script without declarations
import { DEFERRED_BUILTINS, PROGRAM_FORMAT, startupPlugins } from '../../scripts/bundle-lazy.mjs';

// Outside the repository, as the runtime's own sources are outside any package (the lazy-functions
// rule applies to them only); packages resolve from the repository's node_modules.
const dir = mkdtempSync(path.join(os.tmpdir(), 'mc-bundle-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Bundles `source` as the build does (its format, its plugins) and runs it; returns what it printed
 * as JSON. `format` replaces the build's, for a test's counter-check.
 */
async function bundleAndRun(name: string, source: string, lazy = true, format: 'cjs' | 'esm' = PROGRAM_FORMAT): Promise<Record<string, unknown>> {
  const entry = path.join(dir, `${name}.mjs`);
  const out = path.join(dir, `${name}.bundle.${format === 'cjs' ? 'cjs' : 'mjs'}`);
  // The imports stay on top, the rest runs in an async function (a CommonJS script has no
  // top-level await).
  const lines = source.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import '));
  writeFileSync(entry, `${imports.join('\n')}\n${LOADED}\n(async () => {\n${body.join('\n')}\n})();\n`);
  await esbuild.build({
    absWorkingDir: REPO_ROOT,
    nodePaths: [path.join(REPO_ROOT, 'node_modules')],
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format,
    platform: 'node',
    target: 'node24',
    logLevel: 'silent',
    plugins: lazy ? (startupPlugins(REPO_ROOT) as esbuild.Plugin[]) : [],
    // An ES module bundle of CommonJS dependencies needs a require of its own.
    ...(format === 'esm' ? { banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } } : {}),
  });
  const r = spawnSync(NODE, [out], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const LOADED = `const loaded = (m) => process.moduleLoadList.includes('NativeModule ' + m);`;

describe('the bundle stand-ins (scripts/bundle-lazy.mjs)', { timeout: 120_000 }, () => {
  it('fastify serves HTTP without loading node:http2 or node:https, and its HTTP/2 server still works', async () => {
    const program = `import Fastify from 'fastify';
const app = Fastify();
app.get('/', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
// require, not fetch: Node's fetch loads node:http2 itself.
const { get } = require('node:http');
const body = await new Promise((resolve, reject) => get('http://127.0.0.1:' + app.server.address().port + '/', (res) => { let t = ''; res.on('data', (d) => (t += d)); res.on('end', () => resolve(JSON.parse(t))); }).on('error', reject));
const before = { http2: loaded('http2'), https: loaded('https') };
await app.close();
const h2 = Fastify({ http2: true });
h2.get('/', async () => 'h2');
await h2.ready();
const isHttp2 = h2.server.constructor.name;
await h2.close();
console.log(JSON.stringify({ body, before, after: { http2: loaded('http2') }, isHttp2 }));`;
    const r = await bundleAndRun('fastify', program);
    expect(r.body).toEqual({ ok: true });
    expect(r.before).toEqual({ http2: false, https: false });
    expect(r.after).toEqual({ http2: true });
    expect(r.isHttp2).toBe('Http2Server');
  });

  it("prom-client's Pushgateway loads node:zlib only when constructed, and is the real class", async () => {
    const program = `import client from 'prom-client';
const c = new client.Counter({ name: 'c_total', help: 'h' });
c.inc();
const before = loaded('zlib');
const text = await client.register.metrics();
const gateway = new client.Pushgateway('http://127.0.0.1:9');
console.log(JSON.stringify({ before, after: loaded('zlib'), counted: text.includes('c_total 1'), real: typeof gateway.pushAdd === 'function' && gateway.constructor.name }));`;
    expect(await bundleAndRun('prom', program)).toEqual({ before: false, after: true, counted: true, real: 'Pushgateway' });
  });

  it("imports of built-ins in the program's format run no ES module facade: node:crypto's webcrypto stays unloaded, and every import form works", async () => {
    const program = `import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
console.log(JSON.stringify({ webcrypto: loaded('internal/crypto/webcrypto'), bytes: randomBytes(4).length, exists: fs.existsSync(path.join(process.cwd(), 'package.json')), emitter: typeof new EventEmitter().on }));`;
    expect(await bundleAndRun('builtins', program)).toEqual({ webcrypto: false, bytes: 4, exists: true, emitter: 'function' });
    // The same program as an ES module bundle builds node:crypto's facade (what the format avoids).
    expect((await bundleAndRun('builtins-esm', program, true, 'esm')).webcrypto).toBe(true);
  });

  it("node:fs/promises, imported by name in the runtime's sources, loads on the first call of one of its functions", async () => {
    const program = `import { readFile, stat } from 'node:fs/promises';
const before = loaded('fs/promises');
const text = await readFile(__filename, 'utf8');
const size = (await stat(__filename)).size;
console.log(JSON.stringify({ before, after: loaded('fs/promises'), read: text.includes('fs/promises') && size === Buffer.byteLength(text) }));`;
    expect(await bundleAndRun('fs-promises', program)).toEqual({ before: false, after: true, read: true });
  });

  it('without the plugins the same program loads them at once (the test would see a regression)', async () => {
    const program = `import client from 'prom-client';
import Fastify from 'fastify';
import { readFile } from 'node:fs/promises';
// Used, as the sources use it (an unused import is dropped).
globalThis.keep = [client, Fastify, readFile];
console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(DEFERRED_BUILTINS)}.map((m) => [m, loaded(m)]))));`;
    const eager = await bundleAndRun('eager', program, false);
    const lazy = await bundleAndRun('lazy', program);
    expect(Object.values(eager).every(Boolean), JSON.stringify(eager)).toBe(true);
    expect(Object.values(lazy).some(Boolean), JSON.stringify(lazy)).toBe(false);
  });
});
