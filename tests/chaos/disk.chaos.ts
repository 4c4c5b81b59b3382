/**
 * The data dir's disk becomes full, or read-only, under a running runtime (a
 * tmpfs of its own in a user + mount namespace, see ns-wrapper.ts; how each
 * fault is made certain is in disk-faults.ts). The runtime must stay up
 * (process alive, /livez 200), report `degraded` with a reason, and deliver
 * nothing it could not record: a notification whose failed attempt cannot be
 * written to the delivery store is not run again and again while the disk is
 * unusable (gateway requests counted per notification). Once the disk is
 * usable again every notification is delivered exactly once.
 *
 * What is on the broken disk: the data dir (delivery store, data dir lock,
 * status files). The embedded backend's SQLite file is not: it is the
 * backend (its own failures are backend.chaos.ts's), configured outside the
 * data dir as in a deployment that keeps it on its own volume, and the test
 * audits it from outside the namespace, which cannot see the tmpfs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE } from '../support/cli.ts';
import { buildReadonlyShim } from './disk-faults.ts';
import { openLocalBackend } from '../../plugins/backend-local/index.ts';
import { Rig, notificationOf, replied, replyFor, sleep, until, type BackendKind } from './harness.ts';

/** How long the disk stays unusable (the store pause probes at least every 5 s). */
const WINDOW_MS = 12_000;
const DISK_KB = 16_384;
const WRAPPER = path.join(import.meta.dirname, 'ns-wrapper.ts');

function namespacesWork(): boolean {
  try {
    execFileSync('unshare', ['-rm', '--pid', '--fork', '--kill-child', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$TMPDIR"'], {
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: os.tmpdir() },
    });
    return true;
  } catch {
    return false;
  }
}
const supported = namespacesWork();
const shimDir = mkdtempSync(path.join(os.tmpdir(), 'mc-ro-shim-'));
const shim = supported ? buildReadonlyShim(shimDir) : undefined;
afterAll(() => rmSync(shimDir, { recursive: true, force: true }));

type Mode = 'fill' | 'ro';
const cases: Array<[BackendKind, Mode]> = [
  ['local', 'fill'],
  ['local', 'ro'],
  ['convex', 'fill'],
  ['convex', 'ro'],
];

interface Sample {
  livez: number;
  status?: string;
  dataDir?: { ok: boolean; detail: string | null };
  paused?: string | null;
}

function documentsTitled(rig: Rig, pattern: string): Array<{ title: string; n: number }> {
  const conn = openLocalBackend(rig.db.dbPath, { busyTimeoutMs: 5000 });
  try {
    return conn.db.all<{ title: string; n: number }>(`SELECT title, COUNT(*) AS n FROM documents WHERE title LIKE :pattern AND deleted_at IS NULL GROUP BY title`, { pattern });
  } finally {
    conn.close();
  }
}

async function sample(rig: Rig): Promise<Sample> {
  const livez = await fetch(`http://127.0.0.1:${rig.healthPort}/livez`).then((r) => r.status, () => 0);
  const h = await rig.health().catch(() => undefined);
  const checks = (h?.body.checks as Array<{ name: string; ok: boolean; detail: string | null }> | undefined) ?? [];
  const plugins = (h?.body.plugins as Array<{ id: string; status?: { paused?: string | null } }> | undefined) ?? [];
  return {
    livez,
    status: h?.body.status as string | undefined,
    dataDir: checks.find((c) => c.name.endsWith('data-dir-writable')),
    paused: plugins.find((p) => p.id === 'delivery')?.status?.paused,
  };
}

// One at a time: namespaced runtimes side by side starve a 2-core machine.
describe.skipIf(!supported).each(cases)('data dir unusable (%s backend, %s)', (backend, mode) => {
  it.skipIf(mode === 'ro' && !shim)('stays up, reports degraded, runs nothing it cannot record; delivers everything once after', async ({ onTestFinished }) => {
    const holder: { rig?: Rig } = {};
    const rig = await Rig.create({
      backend,
      wrap: (cmd) => {
        const dataDir = holder.rig!.dataDir;
        const ro = mode === 'ro' ? ['--ro-shim', shim!, `${dataDir}.read-only`] : [];
        return ['unshare', ['-rm', '--pid', '--fork', '--kill-child', NODE, WRAPPER, dataDir, String(DISK_KB), ...ro, '--', ...cmd]];
      },
    });
    holder.rig = rig;
    onTestFinished(() => rig.close());
    const proc = await rig.start();
    rig.createWork(2, 'before');
    await until(() => rig.audit().notifications >= 2 && rig.audit().undelivered.length === 0, 60_000, () => rig.explain());

    // While the disk is unusable every notification's first turn fails: an answered failure
    // that costs an attempt, which the store must record before the notification runs again.
    // An assignment's agent first writes its notes (document_upsert, a mutating tool call whose
    // effect the tool-call ledger must record), then answers; a retried turn repeats the call.
    const turns = new Map<string, { broken: number; total: number }>();
    const current = new Map<string, { id: string; fail: boolean }>();
    const toolResults: Array<{ whileBroken: boolean; success: unknown }> = [];
    let broken = false;
    rig.gateway.setDefault((req) => {
      if (req.toolOutputs.length > 0) {
        const turn = current.get(req.sessionKey);
        if (!turn) return replyFor(req);
        toolResults.push({ whileBroken: turn.fail, success: (JSON.parse(req.toolOutputs[0].output) as { success?: unknown }).success });
        if (turn.fail) return { status: 500 };
        replied.add(turn.id);
        return { text: `Reply for ${turn.id}` };
      }
      const id = notificationOf(req);
      if (!id) return replyFor(req);
      const t = turns.get(id) ?? { broken: 0, total: 0 };
      turns.set(id, { broken: t.broken + (broken ? 1 : 0), total: t.total + 1 });
      const fail = broken && t.total === 0;
      if (/## Notification: assignment/.test(req.userText ?? '')) {
        current.set(req.sessionKey, { id, fail });
        const taskId = /Task ID: (\S+)/.exec(req.userText ?? '')?.[1] ?? '';
        return { toolCalls: [{ name: 'document_upsert', arguments: { taskId, title: `Notes for ${id}`, content: 'notes', type: 'deliverable' } }] };
      }
      return fail ? { status: 500 } : replyFor(req);
    });

    // The fault is verified (a new file and a delivery-store commit fail) before anything relies on it.
    broken = true;
    proc.send(mode);
    const ack = await proc.waitFor(/ns-wrapper: (full|read-only|fill failed|ro failed|failed)[^\n]*/);
    expect(ack).toMatch(mode === 'fill' ? /^ns-wrapper: full .*new file: ENOSPC; delivery store write: database or disk is full/ : /^ns-wrapper: read-only .*new file: EROFS; delivery store write: (attempt to write a readonly database|disk I\/O error)/);

    const before = new Set(rig.audit().undelivered);
    rig.createWork(2, 'during');
    const samples: Sample[] = [];
    const windowEnd = Date.now() + WINDOW_MS;
    while (Date.now() < windowEnd) {
      samples.push(await sample(rig));
      await sleep(500);
    }
    const alive = proc.child.exitCode === null && proc.child.signalCode === null;
    const whileBroken = rig.audit();
    const ranWhileBroken = new Map([...turns].map(([id, t]) => [id, t.broken]));

    // Cleared first: delivery is paused until a probe write succeeds, so no turn starts before the disk is usable.
    broken = false;
    proc.send(mode === 'fill' ? 'free' : 'rw');
    await proc.waitFor(mode === 'fill' ? /ns-wrapper: freed/ : /ns-wrapper: read-write/);
    if (alive) await until(() => rig.audit().undelivered.length === 0, 90_000, () => rig.explain());
    // The data dir probe caches its answer for 2 s: on the embedded backend everything can be
    // delivered before the next probe, so wait for the health check to catch up (CI run).
    let recovered = await sample(rig);
    for (const deadline = Date.now() + 15_000; alive && recovered.dataDir?.ok !== true && Date.now() < deadline; ) {
      await sleep(500);
      recovered = await sample(rig);
    }

    // The runtime stayed up and said why it was degraded.
    expect({ alive, exit: proc.child.exitCode, log: alive ? '' : proc.output().split('\n').slice(-15) }).toEqual({ alive: true, exit: null, log: '' });
    expect(samples.filter((s) => s.livez !== 200)).toEqual([]);
    const reason = mode === 'fill' ? /ENOSPC: disk full/ : /EROFS: read-only file system/;
    const shown = JSON.stringify({ s: samples.slice(-1), h: (await rig.health()).body.checks, turns: [...turns], log: proc.output().split('\n').filter((l) => !/probe|GET/.test(l)).slice(-40) }, null, 1);
    expect(samples.some((s) => s.status === 'degraded' && s.dataDir?.ok === false && reason.test(s.dataDir.detail ?? '')), shown).toBe(true);
    expect(samples.some((s) => /delivery store cannot record attempts/.test(s.paused ?? '')), shown).toBe(true);
    expect(recovered).toMatchObject({ livez: 200, paused: null, dataDir: { ok: true } });

    // Nothing it could not record was run again: the new work waited, each notification had at most one turn.
    expect(whileBroken.undelivered.filter((id) => !before.has(id)).length).toBeGreaterThan(0);
    expect([...ranWhileBroken.values()].some((n) => n === 1)).toBe(true);
    for (const [id, runs] of ranWhileBroken) expect({ id, runs }).toEqual({ id, runs: Math.min(runs, 1) });
    // Once usable: one more turn for a notification that failed, none more for any other.
    for (const [id, t] of turns) expect({ id, turns: t.total }).toEqual({ id, turns: t.broken > 0 ? 2 : 1 });
    // The call made while the ledger could not record it was refused, not run; the retry ran it.
    expect(toolResults.filter((r) => r.whileBroken).length).toBeGreaterThan(0);
    expect(toolResults.map((r) => r.success)).toEqual(toolResults.map((r) => !r.whileBroken));
    // Each assignment's notes were written once, though its turn ran twice.
    const notes = documentsTitled(rig, 'Notes for %');
    expect(notes.length).toBeGreaterThanOrEqual(2);
    expect(notes.filter((d) => d.n !== 1)).toEqual([]);
    const audit = rig.audit();
    expect(audit.undelivered).toEqual([]);
    expect(audit.duplicateReplies).toEqual([]);
    expect(audit.duplicateContent).toEqual([]);
    expect(audit.missingReplies).toEqual([]);
  });
});
