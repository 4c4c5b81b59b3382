/**
 * Is dist/ built from the sources as they are now? A fingerprint of every
 * compiled source (relative path, size, mtime) is stored in
 * dist/build-info.json at build time and compared here. Used by the build
 * (`--if-stale`) and by bin/mc-runtime.js to decide whether the compiled tree
 * may run instead of the sources.
 */
// Built-ins by getBuiltinModule where there is one: this runs before every start of a checkout, and an
// ES import of node:fs builds its ES module facade, which loads node:fs's streams (bin/mc-runtime.js).
const builtin = async (id) => process.getBuiltinModule?.(id) ?? (await import(id)).default;
const { existsSync, readdirSync, readFileSync, statSync } = await builtin('node:fs');
const path = await builtin('node:path');

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DIST = path.join(ROOT, 'dist');
export const BUILD_INFO = path.join(DIST, 'build-info.json');
const SOURCE_DIRS = ['core', 'entry', 'plugins', 'sdk'];
// The lockfile: dist/ bundles the dependencies, so a changed dependency makes it stale too.
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build-dist.mjs', 'scripts/bundle-lazy.mjs'];

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(full);
  }
}

/**
 * A 53-bit string hash (cyrb53 construction). Not cryptographic and it need not be: it tells a
 * changed source tree from the built one. node:crypto is avoided on purpose: bin/mc-runtime.js
 * calls this on every start, and initialising OpenSSL costs ~5 MiB of resident memory.
 */
function hash53(text, seed = 0) {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}

export function sourceFingerprint() {
  const files = [];
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir), files);
  for (const file of SOURCE_FILES) if (existsSync(path.join(ROOT, file))) files.push(path.join(ROOT, file));
  let text = '';
  for (const file of files.sort()) {
    const s = statSync(file);
    text += `${file.slice(ROOT.length + 1)}\0${s.size}\0${s.mtimeMs}\n`;
  }
  return hash53(text);
}

export function distIsFresh() {
  if (!existsSync(BUILD_INFO)) return false;
  try {
    return JSON.parse(readFileSync(BUILD_INFO, 'utf8')).fingerprint === sourceFingerprint();
  } catch {
    return false;
  }
}
