#!/usr/bin/env node
/**
 * Compiles the runtime (core/, plugins/, sdk/) to JavaScript with type
 * declarations in dist/ — what an installed package runs (Node does not strip
 * types under node_modules) and what `mission-control-runtime/plugin-sdk`
 * exports. The repository keeps running its TypeScript sources; tests never
 * need dist/.
 *
 *   node scripts/build-dist.mjs             build (replaces dist/)
 *   node scripts/build-dist.mjs --if-stale  build only when a source changed since the last build
 *
 * Plain JavaScript so it runs on any Node that npm brings. dist/build-info.json
 * records a fingerprint of the sources (path, size, mtime); dist-freshness.mjs
 * compares it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUILD_INFO, DIST, ROOT, sourceFingerprint, distIsFresh } from './dist-freshness.mjs';

const ifStale = process.argv.includes('--if-stale');
if (ifStale && distIsFresh()) process.exit(0);

let tsc;
try {
  tsc = createRequire(path.join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (ifStale) {
    // An install without devDependencies: keep the shipped build, or run the sources
    // (bin/mc-runtime.js falls back to them when dist/ is missing or stale).
    if (!existsSync(BUILD_INFO)) console.error('build-dist: typescript is not installed; the runtime runs from its TypeScript sources');
    process.exit(0);
  }
  console.error('build-dist: typescript is not installed (it is a devDependency: run `npm ci` first)');
  process.exit(1);
}

const fingerprint = sourceFingerprint();
rmSync(DIST, { recursive: true, force: true });
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
if (result.status !== 0) {
  rmSync(DIST, { recursive: true, force: true });
  console.error(`build-dist: tsc failed (exit ${result.status ?? result.signal}); dist/ removed`);
  process.exit(1);
}
writeFileSync(BUILD_INFO, JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }) + '\n');
console.error(`build-dist: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
