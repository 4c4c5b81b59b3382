// Loads the one-file program (dist/core/cli/main.cjs) with V8's code cache made AFTER the program
// ran, not after it was compiled.
//
// Node's own compile cache (module.enableCompileCache) stores a module's code right after
// compiling it: V8 compiles functions lazily, so that cache holds little more than the module
// bodies, and every start compiled the functions it runs again (~50 ms of start-up,
// docs/performance.md). Here the program is a CommonJS script compiled with vm.Script, and its
// cache is written by script.createCachedData() once the program has done its work: when `start`
// has started every plugin (the `mc-runtime.started` diagnostics channel), or when any other
// command exits. Later processes then skip compiling everything that run compiled.
//
// One cache file per command (start, local tasks, deliveries stats, …), in
// `$NODE_COMPILE_CACHE/mc-runtime-<uid>/` (else under `<os tmpdir>/node-compile-cache/`). V8 checks a
// cache only against its own version, its flags and the source's length, so the file name carries
// the program's content hash (recorded in dist/build-info.json by the build), its size and mtime,
// and Node's version; a cache made under other V8 flags (`--max-opt`, not `--max-semi-space-size`)
// is rejected by V8 and written again. A cache is code: it is read and written only in a directory
// of this user that no one else can write to, never through a symbolic link (on Windows, whose modes
// are not POSIX ones, the check fails closed and there is no cache); it is written to a temp file
// of its own and renamed, so a reader never sees half of one. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
//
// Plain JavaScript, loaded by bin/mc-runtime.js and by dist/sdk/plugin-sdk.js: both get the same
// instance of the program, so a plugin loaded by path shares the runtime's definePlugin.

const fs = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const vm = process.getBuiltinModule('node:vm');
const { createRequire } = process.getBuiltinModule('node:module');
const { subscribe, unsubscribe } = process.getBuiltinModule('node:diagnostics_channel');

export const PROGRAM = path.join(import.meta.dirname, '..', 'dist', 'core', 'cli', 'main.cjs');
const IMPORT_META = Symbol.for('mission-control-runtime.import-meta');

let program;

/**
 * The program's exports (its CLI `main` and the plugin SDK); loaded once per process. `args`: the
 * command line this process runs (`start`, `local tasks`, …), whose first two words name its code
 * cache; none without it (a plugin's own tests importing the SDK leave no cache behind).
 */
export function loadProgram(args) {
  if (program) return program;
  // The program's import.meta (scripts/build-dist.mjs maps the sources' `import.meta` to it): its own
  // URL, and resolution as an ES module beside it (plugins named by an ES-only package).
  globalThis[IMPORT_META] = {
    url: process.getBuiltinModule('node:url').pathToFileURL(PROGRAM).href,
    filename: PROGRAM,
    dirname: path.dirname(PROGRAM),
    resolve: (specifier) => import.meta.resolve(specifier),
    // The program's plugin imports (core/loader.ts), from this ES module.
    importModule: (url) => import(url),
  };
  try {
    // Stack traces mapped to the TypeScript sources (--enable-source-maps) need Node's own loader,
    // which reads the source map: such a process runs without this code cache.
    program = process.sourceMapsEnabled ? createRequire(import.meta.url)(PROGRAM) : runWithCodeCache(args);
  } finally {
    delete globalThis[IMPORT_META];
  }
  return program;
}

function runWithCodeCache(args) {
  // ASCII (esbuild's charset option): one byte per character in V8, and the quickest decode.
  const source = fs.readFileSync(PROGRAM, 'latin1');
  const cache = args === undefined ? undefined : codeCache(args);
  const cachedData = cache?.read();
  // Node's CommonJS wrapper, on a line of its own (lineOffset -1: stack traces keep the file's lines).
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: PROGRAM,
    lineOffset: -1,
    cachedData,
  });
  const mod = { exports: {}, filename: PROGRAM, id: PROGRAM, loaded: false };
  script.runInThisContext()(mod.exports, createRequire(PROGRAM), mod, PROGRAM, path.dirname(PROGRAM));
  mod.loaded = true;
  if (cache && (!cachedData || script.cachedDataRejected)) cache.writeWhenWarm(script, mod.exports.STARTED_CHANNEL);
  return mod.exports;
}

function codeCache(args) {
  if (process.env.NODE_DISABLE_COMPILE_CACHE === '1') return undefined;
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const base = process.env.NODE_COMPILE_CACHE || path.join(process.getBuiltinModule('node:os').tmpdir(), 'node-compile-cache');
  const dir = path.join(base, `mc-runtime-${uid ?? 'user'}`);
  let key;
  try {
    const { programHash } = JSON.parse(fs.readFileSync(path.join(PROGRAM, '..', '..', '..', 'build-info.json'), 'utf8'));
    if (typeof programHash !== 'string' || programHash.length < 16) return undefined;
    const stat = fs.statSync(PROGRAM);
    key = hash([programHash, stat.size, stat.mtimeMs, process.version, process.arch].join('\0'));
  } catch {
    return undefined; // not built by scripts/build-dist.mjs: no cache
  }
  const words = [];
  for (const arg of args.slice(0, 2)) {
    if (!/^[a-z][a-z-]{0,30}$/.test(arg)) break;
    words.push(arg);
  }
  const word = words.join('-') || 'other';
  const owner = `${hash(PROGRAM)}-${word}.`;
  const file = path.join(dir, `${owner}${key}.v8cache`);
  const ours = (stat) => (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
  return {
    read() {
      let fd;
      try {
        const dirStat = fs.lstatSync(dir);
        if (!dirStat.isDirectory() || !ours(dirStat)) return undefined;
        fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
        const stat = fs.fstatSync(fd);
        return stat.isFile() && ours(stat) ? fs.readFileSync(fd) : undefined;
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    },
    /** `startedChannel`: the program's announcement that `start` has started every plugin. */
    writeWhenWarm(script, startedChannel) {
      let written = false;
      const write = () => {
        if (written) return;
        written = true;
        try {
          fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
          const dirStat = fs.lstatSync(dir);
          if (!dirStat.isDirectory() || !ours(dirStat)) return;
          const temp = path.join(dir, `.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
          fs.writeFileSync(temp, script.createCachedData(), { mode: 0o600, flag: 'wx' });
          fs.renameSync(temp, file);
          // Caches of earlier builds of this same program and command.
          for (const name of fs.readdirSync(dir)) if (name.startsWith(owner) && path.join(dir, name) !== file) fs.rmSync(path.join(dir, name), { force: true });
        } catch {
          // A cache is an optimisation: a read-only or full disk only costs the next start its compile time.
        }
      };
      if (word === 'start') {
        const onStarted = () => {
          unsubscribe(startedChannel, onStarted);
          write();
        };
        subscribe(startedChannel, onStarted);
      } else {
        // Only a command that succeeded: a mistyped one leaves no cache behind.
        process.once('exit', (code) => code === 0 && write());
      }
    },
  };
}

/** FNV-1a, 32 bits, as hex: names cache files without loading node:crypto at start. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
