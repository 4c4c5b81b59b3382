import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentDir, isSymlink, resolveInside } from './paths.ts';

describe('path guard', () => {
  const root = path.join(tmpdir(), 'ws-root');

  it('accepts safe slugs inside the root', () => {
    expect(agentDir(root, 'engineer')).toBe(path.join(root, 'engineer'));
    expect(agentDir(root, 'qa_2-bot')).toBe(path.join(root, 'qa_2-bot'));
  });

  it('refuses slugs that are not plain lowercase names', () => {
    for (const slug of ['..', '../etc', 'a/b', '/abs', '', 'Upper', '-lead', 'a\\b', 'dot.name', 'nul\0']) {
      expect(agentDir(root, slug), slug).toBeUndefined();
    }
  });

  it('refuses segments that would escape or collapse to the root', () => {
    expect(resolveInside(root, '..', 'x')).toBeUndefined();
    expect(resolveInside(root, '.')).toBeUndefined();
    expect(resolveInside(root, 'a', '..')).toBeUndefined();
    expect(resolveInside(root, 'a', 'skills', 'b', 'SKILL.md')).toBe(path.join(root, 'a', 'skills', 'b', 'SKILL.md'));
  });

  it('detects a symlinked agent directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mc-paths-'));
    mkdirSync(path.join(dir, 'real'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    expect(await isSymlink(path.join(dir, 'link'))).toBe(true);
    expect(await isSymlink(path.join(dir, 'real'))).toBe(false);
    expect(await isSymlink(path.join(dir, 'missing'))).toBe(false);
  });
});
