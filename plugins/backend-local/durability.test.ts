/**
 * Durability and concurrency of the embedded backend with real processes:
 * a writer killed with SIGKILL mid-write loses no committed data and leaves a
 * consistent database; several writer processes on one file all succeed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './db.ts';
import { seedDemoAccount, type SeedResult } from './seed.ts';
import { createLocalService } from './service.ts';

const NODE = resolve('node_modules/.bin/node');
const WRITER = resolve('tests/support/sqlite-writer.ts');

interface Writer {
  lines: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  waitForLines(n: number): Promise<void>;
  kill(): void;
}

function startWriter(dbPath: string, seed: SeedResult, count: number, tag: string, mode?: 'torn'): Writer {
  const args = [WRITER, dbPath, seed.accountId, seed.serviceToken, seed.agents.orion, String(count), tag, ...(mode ? [mode] : [])];
  const child = spawn(NODE, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.filter((x) => lines.length >= x.n)) w.resolve();
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stderr })),
  );
  return {
    lines,
    exit,
    waitForLines: (n) =>
      new Promise<void>((res, rej) => {
        if (lines.length >= n) return res();
        waiters.push({ n, resolve: res });
        void exit.then((e) => rej(new Error(`writer exited early (${e.code ?? e.signal}): ${e.stderr}`)));
      }),
    kill: () => child.kill('SIGKILL'),
  };
}

/** What the writer reported as committed. */
function committed(lines: string[]): { tasks: Map<string, string>; messages: Map<string, string> } {
  const tasks = new Map<string, string>();
  const messages = new Map<string, string>();
  for (const line of lines) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'task') tasks.set(b, a);
    if (kind === 'message') messages.set(b, a);
  }
  return { tasks, messages };
}

/** Structural checks plus the invariants every committed write keeps. */
function assertConsistent(db: Db): void {
  expect(db.all<{ integrity_check: string }>('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(db.all('PRAGMA foreign_key_check')).toEqual([]);
  // Each task was created with its activity and subscriptions in the same transaction.
  expect(
    db.get<{ n: number }>(
      `SELECT count(*) AS n FROM tasks t WHERE NOT EXISTS
         (SELECT 1 FROM activities a WHERE a.target_id = t.id AND a.type = 'task_created')`,
    )!.n,
  ).toBe(0);
  expect(
    db.get<{ n: number }>(
      'SELECT count(*) AS n FROM tasks t WHERE NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.task_id = t.id)',
    )!.n,
  ).toBe(0);
  // Each message was created with its activity, and moved its task's lastMessageAt.
  expect(
    db.get<{ n: number }>(
      `SELECT count(*) AS n FROM messages m JOIN tasks t ON t.id = m.task_id
       WHERE t.last_message_at IS NULL OR t.last_message_at < m.created_at
          OR NOT EXISTS (SELECT 1 FROM activities a WHERE a.type = 'message_created' AND a.meta LIKE '%' || m.id || '%')`,
    )!.n,
  ).toBe(0);
}

describe('embedded backend durability', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a writer killed with SIGKILL mid-write loses no committed data; the file stays consistent', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mc-kill-'));
    const dbPath = join(dir, 'mc.sqlite');
    const setup = openDatabase(dbPath);
    const seed = seedDemoAccount(setup);
    setup.close();

    const reported = { tasks: new Map<string, string>(), messages: new Map<string, string>() };
    for (let round = 0; round < 3; round++) {
      const writer = startWriter(dbPath, seed, 0, `r${round}`);
      await writer.waitForLines(20 + round * 7); // "ready" plus a varying number of commits
      writer.kill();
      const result = await writer.exit;
      expect(result.signal).toBe('SIGKILL');
      const got = committed(writer.lines);
      expect(got.tasks.size).toBeGreaterThan(5);
      for (const [k, v] of got.tasks) reported.tasks.set(k, v);
      for (const [k, v] of got.messages) reported.messages.set(k, v);

      // Reopen (recovers from the WAL) and check every reported commit is there.
      const db = openDatabase(dbPath);
      try {
        assertConsistent(db);
        for (const [taskId, title] of reported.tasks) {
          const row = db.get<{ title: string; description: string }>('SELECT title, description FROM tasks WHERE id = $id', { id: taskId });
          expect(row?.title).toBe(title);
          expect(row?.description.endsWith(title.split('-')[1])).toBe(true);
        }
        for (const [messageId, taskId] of reported.messages) {
          expect(db.get('SELECT 1 AS one FROM messages WHERE id = $id AND task_id = $t', { id: messageId, t: taskId })).toBeDefined();
        }
        // At most the one transaction that committed before the kill was not yet reported.
        const inRound = db.get<{ n: number }>('SELECT count(*) AS n FROM tasks WHERE title LIKE $p', { p: `r${round}-%` })!.n;
        expect(inRound - got.tasks.size).toBeGreaterThanOrEqual(0);
        expect(inRound - got.tasks.size).toBeLessThanOrEqual(1);
        // And the database still takes writes through the service.
        const service = createLocalService(db);
        expect(service.call('createTaskFromAgent', { accountId: seed.accountId, serviceToken: seed.serviceToken, agentId: seed.agents.orion, title: `after-${round}` })).toMatchObject({
          taskId: expect.any(String),
        });
      } finally {
        db.close();
      }
    }
  });

  it('a writer killed inside an open write transaction leaves none of it behind', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mc-torn-'));
    const dbPath = join(dir, 'mc.sqlite');
    const setup = openDatabase(dbPath);
    const seed = seedDemoAccount(setup);
    setup.close();

    const writer = startWriter(dbPath, seed, 5, 't', 'torn');
    await writer.waitForLines(1 + 10 + 1); // ready, 5 × (task + message), mid-transaction
    expect(writer.lines.at(-1)).toBe('mid-transaction');
    writer.kill();
    expect((await writer.exit).signal).toBe('SIGKILL');

    const db = openDatabase(dbPath);
    try {
      assertConsistent(db);
      expect(db.get<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE title LIKE 'torn-%'")!.n).toBe(0);
      const got = committed(writer.lines);
      expect(got.tasks.size).toBe(5);
      for (const taskId of got.tasks.keys()) expect(db.get('SELECT 1 AS one FROM tasks WHERE id = $id', { id: taskId })).toBeDefined();
      expect(db.get<{ n: number }>('SELECT count(*) AS n FROM messages')!.n).toBe(5);
    } finally {
      db.close();
    }
  });

  it('several writer processes on one file all commit, serialised by the write lock', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mc-concurrent-'));
    const dbPath = join(dir, 'mc.sqlite');
    const setup = openDatabase(dbPath);
    const seed = seedDemoAccount(setup);
    setup.close();

    const writers = ['a', 'b', 'c'].map((tag) => startWriter(dbPath, seed, 20, tag));
    const results = await Promise.all(writers.map((w) => w.exit));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const db = openDatabase(dbPath);
    try {
      assertConsistent(db);
      const titles = db.all<{ title: string }>("SELECT title FROM tasks WHERE title GLOB '[abc]-*' ORDER BY title").map((r) => r.title);
      expect(titles).toHaveLength(60);
      expect(new Set(titles).size).toBe(60);
      expect(db.get<{ n: number }>('SELECT count(*) AS n FROM messages')!.n).toBe(60);
    } finally {
      db.close();
    }
  });
});
