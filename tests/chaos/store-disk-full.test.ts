/**
 * Every write of the delivery store fails loudly on a full disk (a real tmpfs,
 * filled for certain, in a user + mount namespace; skipped where namespaces are
 * not allowed). A write that returned instead would tell delivery an attempt
 * was counted when it was not, and the notification would run again uncounted
 * while the disk stays full (found by the disk chaos case: `INSERT … RETURNING`
 * read with `.get()` hands back the row before the commit, and node:sqlite drops
 * the commit's SQLITE_FULL). Likewise the tool-call ledger: a mutating call it has
 * not seen must not run while its effect could not be recorded (found by the same
 * case: the retried turn repeated a document the full disk had not let it record).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE } from '../support/cli.ts';

function namespacesWork(): boolean {
  try {
    execFileSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$TMPDIR"'], { stdio: 'ignore', env: { ...process.env, TMPDIR: os.tmpdir() } });
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mc-store-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!namespacesWork())('delivery store on a full disk', () => {
  it('every write throws, none claims a record it did not make; a new mutating call is refused, a recorded one replays', () => {
    const script = path.join(import.meta.dirname, 'store-on-full-disk.ts');
    const out = JSON.parse(execFileSync('unshare', ['-rm', NODE, script, path.join(dir, 'data')], { encoding: 'utf8', timeout: 30_000 })) as Record<string, string>;
    const full = 'threw: database or disk is full';
    expect(out).toEqual({
      ledgerLookupRecorded: `returned: ${JSON.stringify({ success: true, documentId: 'd1' })}`,
      ledgerLookupNew: expect.stringMatching(/^threw: the tool-call ledger cannot record now \(database or disk is full\)/),
      recordFailure: full,
      recordFirstFailure: full,
      clearRetry: full,
      deadLetter: full,
      probeWrite: full,
      attemptHistory: full,
      toolLedger: full,
      retriesAfter: JSON.stringify([['n1', 1], ['n2', 1]]),
    });
  });
});
