/**
 * Is dist/ built from the sources as they are now? A fingerprint of every
 * compiled source (relative path, size, mtime) is stored in
 * dist/build-info.json at build time and compared here. Used by the build
 * (`--if-stale`) and by bin/mc-runtime.js to decide whether the compiled tree
 * may run instead of the sources.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DIST = path.join(ROOT, 'dist');
export const BUILD_INFO = path.join(DIST, 'build-info.json');
const SOURCE_DIRS = ['core', 'plugins', 'sdk'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json'];

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(full);
  }
}

export function sourceFingerprint() {
  const files = [];
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir), files);
  for (const file of SOURCE_FILES) if (existsSync(path.join(ROOT, file))) files.push(path.join(ROOT, file));
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    const s = statSync(file);
    hash.update(`${path.relative(ROOT, file)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

export function distIsFresh() {
  if (!existsSync(BUILD_INFO)) return false;
  try {
    return JSON.parse(readFileSync(BUILD_INFO, 'utf8')).fingerprint === sourceFingerprint();
  } catch {
    return false;
  }
}
