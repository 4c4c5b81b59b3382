#!/usr/bin/env node
/**
 * Builds dist/: what `npm start`, an installed package and the container image run.
 *
 * 1. esbuild bundles the runtime from its TypeScript sources into a few ES modules: the CLI
 *    (`dist/core/cli/main.js`), the plugin SDK (`dist/sdk/plugin-sdk.js`) and one entry per
 *    built-in plugin (`dist/plugins/<id>/index.js`), with the code they share — the kernel and
 *    the dependencies (fastify, convex, typebox, prom-client, …) — in chunks under
 *    `dist/core/chunks/`. Loading a handful of files instead of ~150 source modules and ~1,000
 *    dependency modules is what makes start-up and CLI commands fast (docs/performance.md).
 *    Plugins still load one by one through the config; a plugin named by path or npm package
 *    imports `mission-control-runtime/plugin-sdk`, which resolves to the bundled SDK entry and so
 *    shares the runtime's own definePlugin and typebox.
 * 2. tsc writes the type declarations (`dist/**\/*.d.ts`) that the `./plugin-sdk` export names.
 *
 * pino stays external: its transports (pino-pretty on a terminal) start worker threads that load
 * files by path from pino's own package.
 *
 *   node scripts/build-dist.mjs             build (replaces dist/)
 *   node scripts/build-dist.mjs --if-stale  build only when a source changed since the last build
 *
 * Plain JavaScript so it runs on any Node that npm brings. dist/build-info.json records a
 * fingerprint of the sources (path, size, mtime, and the lockfile); dist-freshness.mjs compares it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUILD_INFO, DIST, ROOT, sourceFingerprint, distIsFresh } from './dist-freshness.mjs';

const ifStale = process.argv.includes('--if-stale');
if (ifStale && distIsFresh()) process.exit(0);

const require = createRequire(path.join(ROOT, 'package.json'));
function devTool(name, resolve) {
  try {
    return resolve();
  } catch {
    if (ifStale) {
      // An install without devDependencies: keep the shipped build, or run the sources
      // (bin/mc-runtime.js falls back to them when dist/ is missing or stale).
      if (!existsSync(BUILD_INFO)) console.error(`build-dist: ${name} is not installed; the runtime runs from its TypeScript sources`);
      process.exit(0);
    }
    console.error(`build-dist: ${name} is not installed (it is a devDependency: run \`npm ci\` first)`);
    process.exit(1);
  }
}
const tsc = devTool('typescript', () => require.resolve('typescript/bin/tsc'));
const esbuild = await devTool('esbuild', () => import(require.resolve('esbuild')));

function fail(what) {
  rmSync(DIST, { recursive: true, force: true });
  console.error(`build-dist: ${what}; dist/ removed`);
  process.exit(1);
}

const fingerprint = sourceFingerprint();
rmSync(DIST, { recursive: true, force: true });
const started = Date.now();

const pluginEntries = readdirSync(path.join(ROOT, 'plugins'))
  .filter((id) => existsSync(path.join(ROOT, 'plugins', id, 'index.ts')))
  .map((id) => `plugins/${id}/index.ts`);
try {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['core/cli/main.ts', 'sdk/plugin-sdk.ts', ...pluginEntries],
    outdir: 'dist',
    outbase: '.',
    chunkNames: 'core/chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // Whitespace and syntax are minified (the chunks are about half the size, and V8 reads every
    // byte at load); identifiers are not, so function and class names in stack traces and in logged
    // errors stay as written (bundling renames only names that clash, and no error class does).
    // keepNames is off on purpose: it wraps every function in a defineProperty call at load, which
    // cost ~140 ms of start-up (docs/performance.md). dist/**/*.js.map maps stack traces back to the
    // sources under NODE_OPTIONS=--enable-source-maps.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    external: ['pino', 'pino-pretty'],
    // CommonJS dependencies inside an ES module bundle call require() for Node built-ins.
    banner: { js: "import { createRequire as __mcCreateRequire } from 'node:module'; const require = __mcCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch (err) {
  fail(`esbuild failed (${err.message.split('\n')[0]})`);
}

const declarations = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
if (declarations.status !== 0) fail(`tsc failed (exit ${declarations.status ?? declarations.signal})`);

writeFileSync(BUILD_INFO, JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }) + '\n');
console.error(`build-dist: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
