#!/usr/bin/env node
// Entry point of the `mc-runtime` command. Plain JavaScript so that an older
// Node prints a clear message instead of a syntax error.
//
// What runs: an installed package ships only the compiled tree (dist/, built
// by scripts/build-dist.mjs when the package is packed), so it runs that. A
// checkout runs the compiled tree when it was built from the sources as they
// are now, else the TypeScript sources by Node 24's type stripping.
// MC_RUNTIME_FROM_SOURCE=1 forces the sources (the tests set it).

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 16)) {
  console.error(
    `mc-runtime needs Node.js >= 24.16 (this is ${process.version}). ` +
      'Run it through npm (`npm start`, `npm run mc-runtime -- <command>`), which uses the Node 24 installed by `npm ci`.',
  );
  process.exit(1);
}

// Built-ins by getBuiltinModule, not `import`: an ES import of node:fs builds its ES module facade,
// which reads every export and so loads node:fs's streams (~9 ms of start-up, docs/performance.md).
const { existsSync } = process.getBuiltinModule('node:fs');
const module = process.getBuiltinModule('node:module');

// A long-running `start` gets a V8 flag that keeps its memory flat: with its defaults V8 grows the
// young generation to 128 MiB under a sustained load (a 10,000-notification drain went from 213 to
// 276 MiB of RSS around a live heap of ~25 MiB); --max-semi-space-size=1 holds it flat
// (docs/performance.md). V8 reads the flag only when the process starts. `npm start` and the
// image's CMD put it on node's command line; started any other way, the process replaces itself
// once with it (execve: same pid, same stdio; ~100 ms). MC_RUNTIME_NODE_FLAGS overrides the list
// ("" for none), also against a launcher's command line.
const DEFAULT_NODE_FLAGS = ['--max-semi-space-size=1'];
const wanted =
  process.env.MC_RUNTIME_NODE_FLAGS === undefined ? DEFAULT_NODE_FLAGS : process.env.MC_RUNTIME_NODE_FLAGS.split(/\s+/).filter(Boolean);
const missing = wanted.filter((flag) => !process.execArgv.includes(flag));
const unwanted = DEFAULT_NODE_FLAGS.filter((flag) => process.execArgv.includes(flag) && !wanted.includes(flag));
if (
  process.argv[2] === 'start' &&
  (missing.length > 0 || unwanted.length > 0) &&
  typeof process.execve === 'function' &&
  process.env.MC_RUNTIME_REEXEC !== '1'
) {
  const execArgv = process.execArgv.filter((flag) => !unwanted.includes(flag));
  process.execve(process.execPath, [process.execPath, ...missing, ...execArgv, ...process.argv.slice(1)], { ...process.env, MC_RUNTIME_REEXEC: '1' });
}
// Once only: processes the runtime starts (a restart, a gateway) decide for themselves.
delete process.env.MC_RUNTIME_REEXEC;

// These small ES modules are in Node's compile cache (NODE_COMPILE_CACHE, else the OS temp dir;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off). The program gets a code cache of its own, made after
// it ran (bin/load-program.js).
module.enableCompileCache?.();
const { PROGRAM, loadProgram } = await import('./load-program.js');

// An installed package or the image has only the compiled program; a checkout runs it when it was
// built from the sources as they are now, else the sources.
async function compiledIsFresh() {
  if (!existsSync(PROGRAM)) return false;
  if (!existsSync(new URL('../entry/mc-runtime.ts', import.meta.url))) return true;
  if (process.env.MC_RUNTIME_FROM_SOURCE === '1') return false;
  const { distIsFresh } = await import('../scripts/dist-freshness.mjs');
  return distIsFresh();
}

const { main } = (await compiledIsFresh())
  ? loadProgram(process.argv.slice(2))
  : // The TypeScript sources, by Node 24's type stripping (MC_RUNTIME_FROM_SOURCE=1: the tests).
    await import('../entry/mc-runtime.ts');
// Exit explicitly: open sockets or timers of a plugin that failed to stop must not keep the
// process alive after shutdown (or after a second signal). pino flushes on exit.
process.exit(await main(process.argv.slice(2)));
