/**
 * Path safety for profile sync: agent and skill slugs become directory names,
 * so they are checked against a strict pattern and every resolved path must
 * stay inside the workspace root. A slug is backend data, not trusted input.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';

export const SAFE_SLUG = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * `root/segments…` if it stays strictly inside `root`, else undefined.
 * Every segment must be a safe slug or a plain file name (no separators, no `..`).
 */
export function resolveInside(root: string, ...segments: string[]): string | undefined {
  const base = path.resolve(root);
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0')) return undefined;
  }
  const target = path.resolve(base, ...segments);
  const rel = path.relative(base, target);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return target;
}

/** The agent's workspace directory, or undefined when the slug is unsafe. */
export function agentDir(root: string, slug: string): string | undefined {
  return SAFE_SLUG.test(slug) ? resolveInside(root, slug) : undefined;
}

/**
 * True when `dir` exists as a symlink: writing through it could land outside the
 * root even though the path string is inside, so such directories are refused.
 */
export async function isSymlink(dir: string): Promise<boolean> {
  try {
    return (await lstat(dir)).isSymbolicLink();
  } catch {
    return false;
  }
}
