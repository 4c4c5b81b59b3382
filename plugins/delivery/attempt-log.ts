/**
 * Attempt history: every attempt of a notification (when, outcome, error,
 * tool calls, duration), in the delivery store's SQLite file — the answer to
 * "why didn't the agent answer?" (`mc-runtime deliveries show <id>`).
 *
 * Bounded by age (`retentionMs`); rows carry the local-state scope like the
 * rest of the store.
 *
 * Written in batches (a group commit): a recorded attempt waits up to
 * FLUSH_AFTER_MS for others and they are inserted in one transaction. Alone,
 * each row was its own transaction, the costliest statement of a delivery
 * (~0.09 ms: the WAL frames of the table and both indexes, and the locks).
 * `of` flushes first, `close` of the store flushes, a failed flush keeps its
 * rows (up to MAX_PENDING), is reported to `onError` and is tried again every
 * RETRY_AFTER_MS. A crash loses what is queued — normally the last
 * FLUSH_AFTER_MS of history; while the file refuses writes (locked by a
 * `deliveries` command, full), what waited since — never a delivery outcome:
 * those are recorded elsewhere and at once.
 */
import type { DatabaseSync } from 'node:sqlite';

export interface AttemptToolCall {
  tool: string;
  outcome: string;
  ms: number;
}

export interface AttemptRecord {
  notificationId: string;
  notificationType: string;
  agent: string | null;
  /** 1-based; outages do not spend an attempt, so several rows may share a number. */
  attempt: number;
  startedAt: number;
  durationMs: number;
  /** delivered | skipped | retry | dead_lettered | outage | cancelled … */
  outcome: string;
  /** The reason of a skip or delivery, or the error of a failure. */
  detail: string | null;
  toolCalls: AttemptToolCall[];
}

/** Created by the delivery store's migrations (store.ts). */
export const ATTEMPTS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS attempts (
    scope TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    notification_type TEXT NOT NULL,
    agent TEXT,
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT,
    tool_calls TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS attempts_by_notification ON attempts (scope, notification_id, started_at);
  CREATE INDEX IF NOT EXISTS attempts_started_at ON attempts (started_at);`;

/** Longest detail kept per row (errors can be long). */
const MAX_DETAIL = 2000;
/** How long a recorded attempt may wait to be written with others. */
export const FLUSH_AFTER_MS = 100;
/** A batch this large is written at once. */
const BATCH_ROWS = 64;
/** Rows kept while flushes fail (a full or locked disk); the oldest go first beyond it. */
const MAX_PENDING = 1000;
/** Wait before trying again after a failed flush. */
export const RETRY_AFTER_MS = 1000;

type PendingRow = [string, string, string, string | null, number, number, number, string, string | null, string];

export interface AttemptLogOptions {
  /** A flush failed (`err`), or rows were given up while flushes failed (`dropped`, over MAX_PENDING); `pending` rows wait for the next one. */
  onError?: (err: unknown, pending: number, dropped: number) => void;
}

export class AttemptLog {
  readonly #db: DatabaseSync;
  readonly #scope: string | null;
  readonly #retentionMs: number;
  readonly #onError: AttemptLogOptions['onError'];
  #pending: PendingRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #dropped = 0;
  /** The last flush failed: the next one waits for the retry timer (no flush, and no warning, per recorded row). */
  #failing = false;

  /** `scope` null: the operator view (reads every scope, records nothing). */
  constructor(db: DatabaseSync, scope: string | null, retentionMs: number, options: AttemptLogOptions = {}) {
    this.#db = db;
    this.#scope = scope;
    this.#retentionMs = retentionMs;
    this.#onError = options.onError;
  }

  /** Queues the row; it is written within FLUSH_AFTER_MS (see the module comment). */
  record(a: AttemptRecord): void {
    if (this.#scope === null) throw new Error('attempt log opened without a scope: read-only operator view');
    // After close nothing would ever write it: say so instead of queueing it.
    if (!this.#db.isOpen) throw new Error('the delivery store is closed');
    const detail = a.detail === null ? null : a.detail.length > MAX_DETAIL ? `${a.detail.slice(0, MAX_DETAIL - 1)}…` : a.detail;
    this.#pending.push([this.#scope, a.notificationId, a.notificationType, a.agent, a.attempt, a.startedAt, Math.round(a.durationMs), a.outcome, detail, JSON.stringify(a.toolCalls)]);
    if (this.#pending.length > MAX_PENDING) this.#dropped += this.#pending.splice(0, this.#pending.length - MAX_PENDING).length;
    if (this.#pending.length >= BATCH_ROWS && !this.#failing && !this.#db.isTransaction) this.#flushReporting();
    else this.#schedule(FLUSH_AFTER_MS);
  }

  /** Writes the queued rows in one transaction now; throws (keeping them) when that fails. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0 || !this.#db.isOpen) return;
    const rows = this.#pending;
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      const insert = this.#db.prepare(
        `INSERT INTO attempts (scope, notification_id, notification_type, agent, attempt, started_at, duration_ms, outcome, detail, tool_calls)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const row of rows) insert.run(...row);
      this.#db.exec('COMMIT');
    } catch (err) {
      // A COMMIT that failed on a full disk was rolled back by SQLite already.
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      this.#failing = true;
      this.#schedule(RETRY_AFTER_MS);
      throw err;
    }
    this.#pending = [];
    this.#failing = false;
  }

  /** Flushes for the last time (before the file closes); rows that cannot be written are reported as dropped. */
  close(): void {
    let error: unknown;
    try {
      this.flush();
    } catch (err) {
      error = err;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const dropped = this.#pending.length + this.#dropped;
    this.#pending = [];
    this.#dropped = 0;
    if (error !== undefined || dropped > 0) this.#onError?.(error, 0, dropped);
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushReporting();
    }, ms);
    this.#timer.unref();
  }

  #flushReporting(): void {
    let error: unknown;
    try {
      this.flush();
    } catch (err) {
      error = err;
    }
    const dropped = this.#dropped;
    this.#dropped = 0;
    if (error !== undefined || dropped > 0) this.#onError?.(error, this.#pending.length, dropped);
  }

  /** Every recorded attempt of one notification, oldest first (queued rows are flushed first). */
  of(notificationId: string): AttemptRecord[] {
    if (this.#pending.length > 0) this.#flushReporting();
    const rows = (
      this.#scope === null
        ? this.#db.prepare('SELECT * FROM attempts WHERE notification_id = ? ORDER BY started_at, rowid').all(notificationId)
        : this.#db.prepare('SELECT * FROM attempts WHERE scope = ? AND notification_id = ? ORDER BY started_at, rowid').all(this.#scope, notificationId)
    ) as Array<Record<string, string | number | null>>;
    return rows.map((r) => ({
      notificationId: String(r.notification_id),
      notificationType: String(r.notification_type),
      agent: r.agent === null ? null : String(r.agent),
      attempt: Number(r.attempt),
      startedAt: Number(r.started_at),
      durationMs: Number(r.duration_ms),
      outcome: String(r.outcome),
      detail: r.detail === null ? null : String(r.detail),
      toolCalls: JSON.parse(String(r.tool_calls)) as AttemptToolCall[],
    }));
  }

  /** Deletes attempts older than the retention window (every scope); returns how many. */
  prune(now: number): number {
    return Number(this.#db.prepare('DELETE FROM attempts WHERE started_at < ?').run(now - this.#retentionMs).changes);
  }
}
