/**
 * esbuild plugins that keep code the runtime does not use at start out of its start-up
 * (docs/performance.md, "Where start-up goes"). Each is named, with why, in ENTRIES below;
 * tests/packaging/startup-modules.test.ts starts the built program and checks that none of the
 * modules named here was loaded by the time `/livez` answers.
 *
 * - `narrow`: an import resolved to the one file that defines what the runtime imports, instead
 *   of a package index that also evaluates code nothing here calls.
 * - `lazy`: a CommonJS `require` of a module that a dependency keeps in a variable and uses only
 *   on a path the runtime does not take (fastify's HTTP/2 and HTTPS servers, prom-client's
 *   Pushgateway). The bundle gets a stand-in that loads the real module on first use: any
 *   property read, call or `new` goes to the real module, so behaviour is unchanged; only the
 *   moment of loading moves.
 *
 * Plain JavaScript, as scripts/build-dist.mjs.
 */
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** `narrow`: specifier → file inside the package (the package's `exports` would refuse it). */
const NARROW = {
  // The package's Node index also exports the WebSocket client, a pre-bundled copy of `ws` whose
  // evaluation loads node:tls, node:crypto and node:net at start. The runtime uses ConvexHttpClient only.
  'convex/browser': 'convex/dist/esm/browser/http_client.js',
};

/** `lazy`: [importer path ending, specifier] → what the stand-in stands for. */
const LAZY = [
  // fastify/lib/server.js keeps these in variables for `https: …` / `http2: …` options and for
  // resolving a `localhost` listen address; node:http2 alone is ~9 ms of start-up.
  { importer: 'fastify/lib/server.js', specifier: 'node:https', kind: 'object' },
  { importer: 'fastify/lib/server.js', specifier: 'node:http2', kind: 'object' },
  { importer: 'fastify/lib/server.js', specifier: 'node:dns', kind: 'object' },
  // prom-client's index exports the Pushgateway class, whose module loads node:http, node:https
  // and node:zlib (~10 ms); the runtime is scraped, it never pushes.
  { importer: 'prom-client/index.js', specifier: './lib/pushgateway', kind: 'class' },
  // A default metric the metrics plugin collects once it has started (after the server listens).
  { importer: 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js', specifier: 'v8', kind: 'object' },
  // pino's worker-thread transports: the runtime writes its logs in-process.
  { importer: 'pino/lib/transport.js', specifier: 'thread-stream', kind: 'class' },
];

/**
 * `lazy-functions`: a built-in whose functions our own sources import by name. The bundle gets an
 * ES module exporting each function of it as a wrapper that loads the built-in on first call
 * (node:fs/promises, with the readline and watch modules it loads, ~4 ms, is used by profile sync
 * and the doctor only once they run). A name the built-in does not export as a function fails the
 * build.
 */
const LAZY_FUNCTIONS = ['node:fs/promises'];

/**
 * The program's module format (scripts/build-dist.mjs): a CommonJS script, whose code cache
 * bin/load-program.js can write after it ran, and whose built-in imports are plain `require`s (an
 * ES module's `import … from 'node:x'` builds the built-in's ES facade, which reads every export).
 */
export const PROGRAM_FORMAT = 'cjs';

/** The modules the plugins keep out of start-up, for the packaging test. */
export const DEFERRED_BUILTINS = ['http2', 'https', 'zlib', 'tls', 'v8', 'fs/promises'];

const NS = 'mc-lazy';
const FUNCTIONS_NS = 'mc-lazy-functions';

/** A CommonJS stand-in that loads `request` on first use (`class`: also callable with `new`). */
function standIn(request, kind) {
  const target = kind === 'class' ? 'function LazyModule() {}' : 'Object.create(null)';
  return `let real;
const load = () => (real ??= require(${JSON.stringify(request)}));
module.exports = new Proxy(${target}, {
  get: (_, key) => load()[key],
  set: (_, key, value) => Reflect.set(load(), key, value),
  has: (_, key) => key in load(),
  ${kind === 'class' ? 'construct: (_, args) => Reflect.construct(load(), args),\n  apply: (_, self, args) => Reflect.apply(load(), self, args),' : ''}
});
`;
}

export function startupPlugins(root) {
  return [
    {
      name: 'mc-narrow-imports',
      setup(build) {
        const filter = new RegExp(`^(${Object.keys(NARROW).map((s) => s.replace(/[/.]/g, '\\$&')).join('|')})$`);
        build.onResolve({ filter }, (args) => ({ path: path.join(root, 'node_modules', NARROW[args.path]) }));
      },
    },
    {
      name: 'mc-lazy-requires',
      setup(build) {
        const specifiers = [...new Set(LAZY.map((l) => l.specifier))];
        const filter = new RegExp(`^(${specifiers.map((s) => s.replace(/[/.]/g, '\\$&')).join('|')})$`);
        build.onResolve({ filter }, async (args) => {
          if (args.kind !== 'require-call' || args.namespace === NS) return undefined;
          const entry = LAZY.find((l) => l.specifier === args.path && args.importer.split(path.sep).join('/').endsWith(`node_modules/${l.importer}`));
          if (!entry) return undefined;
          // A bundled module is required by its resolved path; a built-in stays a run-time require.
          const request = isBuiltin(args.path) ? args.path : (await build.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir })).path;
          return { path: `${entry.importer}:${args.path}`, namespace: NS, pluginData: { request, kind: entry.kind } };
        });
        build.onLoad({ filter: /.*/, namespace: NS }, (args) => ({
          contents: standIn(args.pluginData.request, args.pluginData.kind),
          loader: 'js',
          resolveDir: root,
        }));
      },
    },
    {
      name: 'mc-lazy-functions',
      setup(build) {
        const filter = new RegExp(`^(${LAZY_FUNCTIONS.map((s) => s.replace(/[/.]/g, '\\$&')).join('|')})$`);
        build.onResolve({ filter }, (args) =>
          args.kind === 'import-statement' && args.namespace === 'file' && !path.relative(root, args.importer).split(path.sep).includes('node_modules')
            ? { path: args.path, namespace: FUNCTIONS_NS }
            : undefined,
        );
        build.onLoad({ filter: /.*/, namespace: FUNCTIONS_NS }, (args) => {
          const real = require(args.path);
          const names = Object.keys(real).filter((name) => typeof real[name] === 'function');
          const wrappers = names.map((name) => `export const ${name} = (...args) => load().${name}(...args);`).join('\n');
          return { contents: `let real;\nconst load = () => (real ??= require(${JSON.stringify(args.path)}));\n${wrappers}\n`, loader: 'js', resolveDir: root };
        });
      },
    },
  ];
}
