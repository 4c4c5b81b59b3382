#!/usr/bin/env node
/**
 * Builds dist/: what `npm start`, an installed package and the container image run.
 *
 * 1. esbuild bundles the program (`entry/mc-runtime.ts`: the CLI, the built-in plugins, the plugin
 *    SDK) with its dependencies (fastify, convex, typebox, prom-client, pino, …) into ONE CommonJS
 *    script, `dist/core/cli/main.cjs`, which bin/load-program.js runs with a V8 code cache made
 *    after the program ran (docs/performance.md). Loading one file instead of ~150 source modules
 *    and ~1,000 dependency modules is what makes start-up and CLI commands fast. The built-in
 *    plugins stay lazy inside it: each runs only when a config names it. `dist/sdk/plugin-sdk.js`
 *    re-exports the SDK from that same loaded program, so a plugin named by path or npm package
 *    (its `mission-control-runtime/plugin-sdk` resolves there) shares the runtime's own
 *    definePlugin and typebox.
 * 2. tsc writes the type declarations (`dist/**\/*.d.ts`) that the `./plugin-sdk` export names.
 *
 *   node scripts/build-dist.mjs             build (replaces dist/)
 *   node scripts/build-dist.mjs --if-stale  build only when a source changed since the last build
 *
 * Plain JavaScript so it runs on any Node that npm brings. dist/build-info.json records the path,
 * size and mtime of every source (and the lockfile); dist-freshness.mjs compares them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUILD_INFO, DIST, ROOT, sourceStamp, distIsFresh, writeBuildInfo } from './dist-freshness.mjs';
import { PROGRAM_FORMAT, startupPlugins } from './bundle-lazy.mjs';

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
      // It runs the sources when dist/ is missing, or stale in a checkout (an installed package has no entry/).
      if (!existsSync(BUILD_INFO) || existsSync(path.join(ROOT, 'entry', 'mc-runtime.ts'))) {
        console.error(`build-dist: ${name} is not installed; the runtime runs from its TypeScript sources`);
      }
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

const sources = sourceStamp();
rmSync(DIST, { recursive: true, force: true });
const started = Date.now();

const ON_DEMAND = ['pino-pretty', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'];
// Loaded from dist/ at run time, each must be the copy fastify itself would load (npm hoists them).
for (const name of ON_DEMAND) {
  const fromDist = require.resolve(name);
  const fromOwner = createRequire(require.resolve(name === 'pino-pretty' ? 'pino' : 'fastify')).resolve(name);
  if (fromDist !== fromOwner) fail(`${name} resolves to ${fromDist} from dist/ but to ${fromOwner} from its user`);
}

// The SDK's runtime exports, from a bundle of it that is not written: the bundle's SDK entry re-exports
// exactly these from the one program file.
let sdkExports;
try {
  const probe = await esbuild.build({ absWorkingDir: ROOT, entryPoints: ['sdk/plugin-sdk.ts'], bundle: true, write: false, metafile: true, format: 'esm', platform: 'node', logLevel: 'silent', outdir: 'dist' });
  sdkExports = Object.values(probe.metafile.outputs).find((o) => o.entryPoint === 'sdk/plugin-sdk.ts')?.exports;
} catch (err) {
  fail(`esbuild failed on the SDK (${err.message.split('\n')[0]})`);
}
if (!sdkExports?.length) fail('the plugin SDK exports nothing');

try {
  await esbuild.build({
    absWorkingDir: ROOT,
    // One file: the program (entry/mc-runtime.ts: the CLI, the built-in plugins, the SDK) with its
    // dependencies (docs/performance.md). The built-in plugins and the CLI commands are imported
    // lazily in the sources; esbuild keeps those imports lazy inside the file, so a plugin's code
    // runs only when a config names it.
    entryPoints: [{ in: 'entry/mc-runtime.ts', out: 'core/cli/main' }],
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    splitting: false,
    // A CommonJS script, not an ES module: bin/load-program.js compiles it with vm.Script, whose code
    // cache can be made after the program ran (an ES module's only right after it was compiled).
    format: PROGRAM_FORMAT,
    platform: 'node',
    target: 'node24',
    // Whitespace and syntax are minified (the file is about half the size, and V8 reads every
    // byte at load); identifiers are not, so function and class names in stack traces and in logged
    // errors stay as written (bundling renames only names that clash, and no error class does).
    // keepNames is off on purpose: it wraps every function in a defineProperty call at load, which
    // cost ~140 ms of start-up (docs/performance.md). dist/**/*.js.map maps stack traces back to the
    // sources under NODE_OPTIONS=--enable-source-maps.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    // Licence comments go to dist/core/cli/main.cjs.LEGAL.txt. At the end of the file (esbuild's
    // default) one non-ASCII name in them made V8 hold the whole 2.4 MB source as two-byte text:
    // twice the memory, and a slow UTF-8 decode at every start (~23 ms).
    legalComments: 'external',
    charset: 'ascii',
    // Packages loaded only on demand stay packages (node_modules), out of the file every start reads:
    // pino-pretty on a terminal; fastify's schema compilers (two copies of ajv, a third of the bundle)
    // when a route first declares a schema (plugins/http); light-my-request for fastify's inject().
    external: [...ON_DEMAND],
    // Dependency code the runtime does not use at start stays out of start-up (scripts/bundle-lazy.mjs).
    plugins: startupPlugins(ROOT),
    // The sources are ES modules: their `import.meta` (the URL, `import.meta.resolve` for plugins
    // named by package) is what bin/load-program.js hands the program, else its CommonJS equivalent.
    define: { 'import.meta': '__mcImportMeta' },
    banner: {
      js:
        "var __mcImportMeta = globalThis[Symbol.for('mission-control-runtime.import-meta')] ?? { url: require('node:url').pathToFileURL(__filename).href, " +
        "filename: __filename, dirname: __dirname, resolve: (s) => require('node:url').pathToFileURL(require.resolve(s)).href };",
    },
    logLevel: 'warning',
  });
} catch (err) {
  fail(`esbuild failed (${err.message.split('\n')[0]})`);
}
mkdirSync(path.join(DIST, 'sdk'), { recursive: true });
writeFileSync(
  path.join(DIST, 'sdk', 'plugin-sdk.js'),
  "// The plugin SDK: the runtime's own instances, from the program this process runs (bin/load-program.js).\n" +
    "import { loadProgram } from '../../bin/load-program.js';\n" +
    `export const { ${sdkExports.join(', ')} } = loadProgram();\n`,
);

const declarations = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
if (declarations.status !== 0) fail(`tsc failed (exit ${declarations.status ?? declarations.signal})`);

// The program's content hash names its code cache (bin/load-program.js): V8 checks a cache only
// against the source's length, and an install gives every file the same mtime.
const programHash = createHash('sha256').update(readFileSync(path.join(DIST, 'core', 'cli', 'main.cjs'))).digest('hex');
writeBuildInfo(sources, { programHash, builtAt: new Date().toISOString() });
console.error(`build-dist: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
