/**
 * Is dist/ built from the sources as they are now? The relative path, size
 * and mtime of every compiled source are stored in dist/build-info.json at
 * build time and compared here. Used by the build
 * (`--if-stale`) and by bin/mc-runtime.js to decide whether the compiled tree
 * may run instead of the sources.
 */
// Built-ins by getBuiltinModule where there is one: this runs before every start of a checkout, and an
// ES import of node:fs builds its ES module facade, which loads node:fs's streams (bin/mc-runtime.js).
const builtin = async (id) => process.getBuiltinModule?.(id) ?? (await import(id)).default;
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = await builtin('node:fs');
const path = await builtin('node:path');

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DIST = path.join(ROOT, 'dist');
export const BUILD_INFO = buildInfoPath();
const SOURCE_DIRS = ['core', 'entry', 'plugins', 'sdk'];
// The lockfile: dist/ bundles the dependencies, so a changed dependency makes it stale too.
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build-dist.mjs', 'scripts/bundle-lazy.mjs'];

// Paths by concatenation, not path.join: ~300 joins on every start of a checkout were enough for
// TurboFan to compile Node's normalizeString on some starts (see sourceStamp).
function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = dir + path.sep + entry.name;
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(full);
  }
}

/**
 * One line per compiled source: relative path, size and mtime. The build stores this text itself
 * and a start compares it whole: a native string comparison. (A hash of it was computed in
 * JavaScript on every start of a checkout, and its loop over ~11,000 characters got TurboFan
 * on-stack-replaced there: ~8 ms of compiling and ~5 MiB more of the node binary's code resident
 * in an idle runtime. The image never ran it.)
 */
export function sourceStamp(root = ROOT) {
  const files = [];
  for (const dir of SOURCE_DIRS) if (existsSync(root + path.sep + dir)) walk(root + path.sep + dir, files);
  for (const file of SOURCE_FILES) if (existsSync(root + path.sep + file)) files.push(root + path.sep + file);
  let text = '';
  for (const file of files.sort()) {
    const s = statSync(file);
    text += `${file.slice(root.length + 1)}\0${s.size}\0${s.mtimeMs}\n`;
  }
  return text;
}

/** The build's record (`dist/build-info.json`) of what it built, for `sourceStamp` to match. */
export function buildInfoPath(root = ROOT) {
  return path.join(root, 'dist', 'build-info.json');
}

/** Writes that record: `sources` is the `sourceStamp` taken before the build read them. */
export function writeBuildInfo(sources, extra = {}, root = ROOT) {
  writeFileSync(buildInfoPath(root), JSON.stringify({ sources, ...extra }) + '\n');
}

export function distIsFresh(root = ROOT) {
  const info = buildInfoPath(root);
  if (!existsSync(info)) return false;
  try {
    // A build-info.json without `sources` (made by an older build) is stale.
    return JSON.parse(readFileSync(info, 'utf8')).sources === sourceStamp(root);
  } catch {
    return false;
  }
}
