/**
 * Attempt history: every attempt of a notification (when, outcome, error,
 * tool calls, duration), in the delivery store's SQLite file — the answer to
 * "why didn't the agent answer?" (`mc-runtime deliveries show <id>`).
 *
 * Bounded by age (`retentionMs`); rows carry the local-state scope like the
 * rest of the store.
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

export class AttemptLog {
  readonly #db: DatabaseSync;
  readonly #scope: string | null;
  readonly #retentionMs: number;

  /** `scope` null: the operator view (reads every scope, records nothing). */
  constructor(db: DatabaseSync, scope: string | null, retentionMs: number) {
    this.#db = db;
    this.#scope = scope;
    this.#retentionMs = retentionMs;
  }

  record(a: AttemptRecord): void {
    if (this.#scope === null) throw new Error('attempt log opened without a scope: read-only operator view');
    const detail = a.detail === null ? null : a.detail.length > MAX_DETAIL ? `${a.detail.slice(0, MAX_DETAIL - 1)}…` : a.detail;
    this.#db
      .prepare(
        `INSERT INTO attempts (scope, notification_id, notification_type, agent, attempt, started_at, duration_ms, outcome, detail, tool_calls)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(this.#scope, a.notificationId, a.notificationType, a.agent, a.attempt, a.startedAt, Math.round(a.durationMs), a.outcome, detail, JSON.stringify(a.toolCalls));
  }

  /** Every recorded attempt of one notification, oldest first. */
  of(notificationId: string): AttemptRecord[] {
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
