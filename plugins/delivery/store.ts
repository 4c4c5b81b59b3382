/**
 * The runtime's own delivery state, in a SQLite file beside the other runtime
 * state: per-notification retry budgets (so a restart neither forgets nor
 * resets them) and dead letters (visible, replayable). The CLI opens the same
 * file while the runtime runs; WAL and a busy timeout make that safe.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface RetryState {
  notificationId: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string;
}

export interface DeadLetter {
  notificationId: string;
  notificationType: string;
  agentId: string | null;
  taskId: string | null;
  attempts: number;
  lastError: string;
  deadAt: number;
  noticePosted: boolean;
  replayRequestedAt: number | null;
}

const MIGRATIONS = [
  `CREATE TABLE retries (
     notification_id TEXT PRIMARY KEY,
     attempts INTEGER NOT NULL,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE dead_letters (
     notification_id TEXT PRIMARY KEY,
     notification_type TEXT NOT NULL,
     agent_id TEXT,
     task_id TEXT,
     attempts INTEGER NOT NULL,
     last_error TEXT NOT NULL,
     dead_at INTEGER NOT NULL,
     notice_posted INTEGER NOT NULL DEFAULT 0,
     replay_requested_at INTEGER
   );`,
];

type Row = Record<string, string | number | null>;

export class DeliveryStore {
  readonly #db: DatabaseSync;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
    const version = (this.#db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        this.#db.exec(MIGRATIONS[v]);
        this.#db.exec(`PRAGMA user_version = ${v + 1}`);
        this.#db.exec('COMMIT');
      } catch (err) {
        this.#db.exec('ROLLBACK');
        throw err;
      }
    }
  }

  retry(notificationId: string): RetryState | undefined {
    const row = this.#db.prepare('SELECT * FROM retries WHERE notification_id = ?').get(notificationId) as Row | undefined;
    return row ? toRetry(row) : undefined;
  }

  /** Retry states whose next attempt is still in the future. */
  waiting(now: number): Map<string, RetryState> {
    const rows = this.#db.prepare('SELECT * FROM retries WHERE next_attempt_at > ?').all(now) as Row[];
    return new Map(rows.map((r) => [String(r.notification_id), toRetry(r)]));
  }

  /** Records one answered failure; returns the attempt count so far. */
  recordFailure(notificationId: string, error: string, nextAttemptAt: number, now: number): number {
    this.#db
      .prepare(
        `INSERT INTO retries (notification_id, attempts, next_attempt_at, last_error, updated_at) VALUES (?, 1, ?, ?, ?)
         ON CONFLICT(notification_id) DO UPDATE SET attempts = attempts + 1, next_attempt_at = excluded.next_attempt_at,
           last_error = excluded.last_error, updated_at = excluded.updated_at`,
      )
      .run(notificationId, nextAttemptAt, error, now);
    return this.retry(notificationId)!.attempts;
  }

  clearRetry(notificationId: string): void {
    this.#db.prepare('DELETE FROM retries WHERE notification_id = ?').run(notificationId);
  }

  deadLetter(entry: Omit<DeadLetter, 'noticePosted' | 'replayRequestedAt'>): void {
    this.#db
      .prepare(
        `INSERT INTO dead_letters (notification_id, notification_type, agent_id, task_id, attempts, last_error, dead_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(notification_id) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error,
           dead_at = excluded.dead_at, replay_requested_at = NULL`,
      )
      .run(entry.notificationId, entry.notificationType, entry.agentId, entry.taskId, entry.attempts, entry.lastError, entry.deadAt);
    this.clearRetry(entry.notificationId);
  }

  markNoticePosted(notificationId: string): void {
    this.#db.prepare('UPDATE dead_letters SET notice_posted = 1 WHERE notification_id = ?').run(notificationId);
  }

  deadLetters(): DeadLetter[] {
    return (this.#db.prepare('SELECT * FROM dead_letters ORDER BY dead_at').all() as Row[]).map(toDead);
  }

  deadLetterOf(notificationId: string): DeadLetter | undefined {
    const row = this.#db.prepare('SELECT * FROM dead_letters WHERE notification_id = ?').get(notificationId) as Row | undefined;
    return row ? toDead(row) : undefined;
  }

  /** Asks the running loop to deliver a dead letter again; false when there is no such dead letter. */
  requestReplay(notificationId: string, now: number): boolean {
    return this.#db.prepare('UPDATE dead_letters SET replay_requested_at = ? WHERE notification_id = ?').run(now, notificationId).changes > 0;
  }

  /** Takes the pending replay requests: their dead letters and retry budgets are cleared. */
  takeReplays(): DeadLetter[] {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const rows = (this.#db.prepare('SELECT * FROM dead_letters WHERE replay_requested_at IS NOT NULL').all() as Row[]).map(toDead);
      for (const r of rows) {
        this.#db.prepare('DELETE FROM dead_letters WHERE notification_id = ?').run(r.notificationId);
        this.#db.prepare('DELETE FROM retries WHERE notification_id = ?').run(r.notificationId);
      }
      this.#db.exec('COMMIT');
      return rows;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  counts(): { retrying: number; dead: number } {
    const retrying = (this.#db.prepare('SELECT COUNT(*) AS n FROM retries').get() as { n: number }).n;
    const dead = (this.#db.prepare('SELECT COUNT(*) AS n FROM dead_letters').get() as { n: number }).n;
    return { retrying, dead };
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function toRetry(r: Row): RetryState {
  return { notificationId: String(r.notification_id), attempts: Number(r.attempts), nextAttemptAt: Number(r.next_attempt_at), lastError: String(r.last_error) };
}

function toDead(r: Row): DeadLetter {
  return {
    notificationId: String(r.notification_id),
    notificationType: String(r.notification_type),
    agentId: r.agent_id === null ? null : String(r.agent_id),
    taskId: r.task_id === null ? null : String(r.task_id),
    attempts: Number(r.attempts),
    lastError: String(r.last_error),
    deadAt: Number(r.dead_at),
    noticePosted: Number(r.notice_posted) === 1,
    replayRequestedAt: r.replay_requested_at === null ? null : Number(r.replay_requested_at),
  };
}
