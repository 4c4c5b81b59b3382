/**
 * scripts/dist-freshness.mjs: a checkout runs dist/ only while dist/build-info.json records the
 * sources as they are (path, size, mtime of each compiled source and of the build's inputs).
 * Exercised on a small tree of its own, laid out as the repository is.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildInfoPath, distIsFresh, sourceStamp, writeBuildInfo } from '../../scripts/dist-freshness.mjs';

const roots: string[] = [];
afterEach(() => {
  while (roots.length) rmSync(roots.pop()!, { recursive: true, force: true });
});

function tree(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mc-freshness-'));
  roots.push(root);
  const files: Record<string, string> = {
    'core/kernel.ts': 'export const kernel = 1;\n',
    'plugins/delivery/loop.ts': 'export const loop = 2;\n',
    'plugins/delivery/loop.test.ts': 'a test: not compiled\n',
    'entry/mc-runtime.ts': 'export {};\n',
    'package-lock.json': '{}\n',
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** What scripts/build-dist.mjs does after a build (the same function). */
function recordBuild(root: string): void {
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  writeBuildInfo(sourceStamp(root), { programHash: 'x' }, root);
}

describe('dist freshness', () => {
  it('is fresh right after a build, and stale without a record of one', () => {
    const root = tree();
    expect(distIsFresh(root)).toBe(false);
    recordBuild(root);
    expect(distIsFresh(root)).toBe(true);
    // The record lists each compiled source by its path relative to the root, and nothing else.
    const listed = (JSON.parse(readFileSync(buildInfoPath(root), 'utf8')) as { sources: string }).sources.split('\n').filter(Boolean).map((l) => l.split('\0')[0]);
    expect(listed).toEqual(['core/kernel.ts', 'entry/mc-runtime.ts', 'package-lock.json', 'plugins/delivery/loop.ts']);
  });

  it('goes stale when a compiled source changes size or mtime, or one is added or removed', () => {
    const root = tree();
    recordBuild(root);
    writeFileSync(path.join(root, 'core/kernel.ts'), 'export const kernel = 10;\n');
    expect(distIsFresh(root)).toBe(false);

    recordBuild(root);
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'plugins/delivery/loop.ts'), later, later);
    expect(distIsFresh(root)).toBe(false);

    recordBuild(root);
    writeFileSync(path.join(root, 'plugins/delivery/new.ts'), 'export {};\n');
    expect(distIsFresh(root)).toBe(false);

    recordBuild(root);
    rmSync(path.join(root, 'plugins/delivery/new.ts'));
    expect(distIsFresh(root)).toBe(false);
  });

  it('ignores tests, and follows the lockfile (the bundle holds the dependencies)', () => {
    const root = tree();
    recordBuild(root);
    writeFileSync(path.join(root, 'plugins/delivery/loop.test.ts'), 'another test\n');
    expect(distIsFresh(root)).toBe(true);
    writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
    expect(distIsFresh(root)).toBe(false);
  });

  it('treats the record of an older build (a hash, no sources) or an unreadable one as stale', () => {
    const root = tree();
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    writeFileSync(buildInfoPath(root), JSON.stringify({ fingerprint: '1cd3724dcb6b65', programHash: 'x' }));
    expect(distIsFresh(root)).toBe(false);
    writeFileSync(buildInfoPath(root), '{ not json');
    expect(distIsFresh(root)).toBe(false);
  });
});
