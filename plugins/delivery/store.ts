/**
 * The runtime's own delivery state, in a SQLite file beside the other runtime
 * state: per-notification retry budgets (so a restart neither forgets nor
 * resets them) and dead letters (visible, replayable).
 *
 * Every row belongs to a scope (backend deployment + account, see scope.ts):
 * a store opened for one scope reads and writes only its own rows; rows of
 * another scope are kept, never applied. A store opened without a scope (the
 * CLI) sees every scope.
 *
 * The CLI opens the same file while the runtime runs (WAL). The runtime opens
 * it with no busy wait (a busy wait would block the event loop): a write that
 * finds the file locked throws, and the loop treats that like any other
 * failed write (logged; the notification stays undelivered and comes back).
 * The attempt history is written in batches and retried on its own
 * (attempt-log.ts); "retrying?" and "dead-lettered?" are answered from memory
 * when there is no row (known-rows.ts).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { TOOL_CALLS_SCHEMA, ToolLedgerStore } from './tool-ledger.ts';
import { ATTEMPTS_SCHEMA, AttemptLog, type AttemptLogOptions } from './attempt-log.ts';
import { KnownRows } from './known-rows.ts';
import { CachedDatabase } from './cached-db.ts';

export interface RetryState {
  notificationId: string;
  agentId: string | null;
  taskId: string | null;
  attempts: number;
  nextAttemptAt: number;
  lastError: string;
  updatedAt: number;
}

export interface DeadLetter {
  scope: string;
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

/** Rows written by a version without scopes: kept, never applied. */
export const LEGACY_SCOPE = 'legacy (before scopes)';

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
  // v2: scoped rows, the agent and task of a retry (agent turns), indexes for the per-poll reads.
  `CREATE TABLE retries2 (
     scope TEXT NOT NULL,
     notification_id TEXT NOT NULL,
     agent_id TEXT,
     task_id TEXT,
     attempts INTEGER NOT NULL,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (scope, notification_id)
   );
   INSERT INTO retries2 SELECT '${LEGACY_SCOPE}', notification_id, NULL, NULL, attempts, next_attempt_at, last_error, updated_at FROM retries;
   DROP TABLE retries;
   ALTER TABLE retries2 RENAME TO retries;
   CREATE INDEX retries_due ON retries (scope, next_attempt_at);
   CREATE TABLE dead_letters2 (
     scope TEXT NOT NULL,
     notification_id TEXT NOT NULL,
     notification_type TEXT NOT NULL,
     agent_id TEXT,
     task_id TEXT,
     attempts INTEGER NOT NULL,
     last_error TEXT NOT NULL,
     dead_at INTEGER NOT NULL,
     notice_posted INTEGER NOT NULL DEFAULT 0,
     replay_requested_at INTEGER,
     PRIMARY KEY (scope, notification_id)
   );
   INSERT INTO dead_letters2 SELECT '${LEGACY_SCOPE}', * FROM dead_letters;
   DROP TABLE dead_letters;
   ALTER TABLE dead_letters2 RENAME TO dead_letters;
   CREATE INDEX dead_letters_replay ON dead_letters (scope, replay_requested_at) WHERE replay_requested_at IS NOT NULL;
   CREATE INDEX dead_letters_age ON dead_letters (dead_at);`,
  // v3: the tool-call ledger (exactly-once tool effects) and the attempt history.
  TOOL_CALLS_SCHEMA +
    ATTEMPTS_SCHEMA +
    `CREATE TABLE IF NOT EXISTS store_probe (k INTEGER PRIMARY KEY, at INTEGER NOT NULL);`,
];

type Row = Record<string, string | number | null>;

export interface StoreOptions {
  /** Rows of this scope only; undefined: every scope (operator view). */
  scope?: string;
  /** SQLite busy wait for ordinary statements; 0 in the runtime (never block the event loop). */
  busyTimeoutMs?: number;
  /** Clock of the ledger's timestamps (tests pass a fake one). */
  now?: () => number;
  /** How long tool-call ledger entries outlive their notification's final outcome (default 24 h). */
  ledgerRetentionMs?: number;
  /** How long attempt history is kept (default 7 days); also the cap for ledger entries of notifications that never ended. */
  historyRetentionMs?: number;
  /** Writing queued attempt history failed (AttemptLogOptions.onError); it is tried again. */
  onHistoryError?: AttemptLogOptions['onError'];
}

const HOUR_MS = 3_600_000;

export class DeliveryStore {
  readonly #db: DatabaseSync;
  readonly #scope: string | null;
  /** Mutating tool calls per notification: a repeated call gets the recorded result. */
  readonly toolCalls: ToolLedgerStore;
  /** Every attempt of every notification (`deliveries show`). */
  readonly attempts: AttemptLog;
  /** Notifications of this scope with a retry row / a dead letter (known-rows.ts); null for the operator view. */
  readonly #retrying: KnownRows | null;
  readonly #dead: KnownRows | null;

  constructor(file: string, options: StoreOptions = {}) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.#db = new CachedDatabase(file);
    this.#scope = options.scope ?? null;
    // Opening and migrating may wait for a CLI writer briefly; afterwards the configured wait applies.
    this.#db.exec('PRAGMA busy_timeout = 2000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.#migrate();
    this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 2000))}`);
    const historyMs = options.historyRetentionMs ?? 7 * 24 * HOUR_MS;
    this.toolCalls = new ToolLedgerStore(this.#db, this.#scope, options.now ?? Date.now, { retentionMs: options.ledgerRetentionMs ?? 24 * HOUR_MS, maxAgeMs: historyMs });
    this.attempts = new AttemptLog(this.#db, this.#scope, historyMs, { onError: options.onHistoryError });
    const ids = (table: 'retries' | 'dead_letters') => () =>
      (this.#db.prepare(`SELECT notification_id FROM ${table} WHERE scope = ?`).all(this.#own()) as Array<{ notification_id: string }>).map((r) => r.notification_id);
    this.#retrying = this.#scope === null ? null : new KnownRows(ids('retries'));
    this.#dead = this.#scope === null ? null : new KnownRows(ids('dead_letters'));
  }

  /** The lock is taken before `user_version` is read, so two first starts never run one migration twice. */
  #migrate(): void {
    this.#transaction(() => {
      const version = (this.#db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      for (let v = version; v < MIGRATIONS.length; v++) this.#db.exec(MIGRATIONS[v]);
      if (version < MIGRATIONS.length) this.#db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    });
  }

  /**
   * Runs `fn` in one write transaction. A COMMIT that fails on a full or broken disk has
   * already been rolled back by SQLite: the original error is what the caller gets, not a
   * "no transaction is active" from a second rollback.
   */
  #transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  get scope(): string | null {
    return this.#scope;
  }

  #own(): string {
    if (this.#scope === null) throw new Error('delivery store opened without a scope: read-only operator view');
    return this.#scope;
  }

  /** `AND scope = ?` for a scoped store, nothing for the operator view. */
  #where(params: SQLInputValue[]): string {
    if (this.#scope === null) return '';
    params.push(this.#scope);
    return ' AND scope = ?';
  }

  retry(notificationId: string): RetryState | undefined {
    if (this.#retrying?.mayHave(notificationId) === false) return undefined;
    const row = this.#db.prepare('SELECT * FROM retries WHERE scope = ? AND notification_id = ?').get(this.#own(), notificationId) as Row | undefined;
    if (!row) this.#retrying?.delete(notificationId); // the operator's replay removed it
    return row ? toRetry(row) : undefined;
  }

  /** Every retry state of this scope (read only: no write lock). */
  retries(): RetryState[] {
    return (this.#db.prepare('SELECT * FROM retries WHERE scope = ? ORDER BY next_attempt_at').all(this.#own()) as Row[]).map(toRetry);
  }

  /**
   * Records one answered failure; returns the attempt count so far, or throws when it could not
   * be recorded. Read with `.all()`: `.get()` returns a RETURNING row before the statement's
   * commit, and node:sqlite then drops the commit's error (disk full), so a count would come back
   * for a failure that was never recorded.
   */
  recordFailure(entry: { notificationId: string; agentId: string | null; taskId: string | null; error: string; nextAttemptAt: number; now: number }): number {
    const [row] = this.#db
      .prepare(
        `INSERT INTO retries (scope, notification_id, agent_id, task_id, attempts, next_attempt_at, last_error, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT(scope, notification_id) DO UPDATE SET attempts = attempts + 1, next_attempt_at = excluded.next_attempt_at,
           last_error = excluded.last_error, updated_at = excluded.updated_at,
           agent_id = coalesce(excluded.agent_id, agent_id), task_id = coalesce(excluded.task_id, task_id)
         RETURNING attempts`,
      )
      .all(this.#own(), entry.notificationId, entry.agentId, entry.taskId, entry.nextAttemptAt, entry.error, entry.now) as Array<{ attempts: number }>;
    this.#retrying?.add(entry.notificationId);
    return row.attempts;
  }

  clearRetry(notificationId: string): void {
    this.#db.prepare('DELETE FROM retries WHERE scope = ? AND notification_id = ?').run(this.#own(), notificationId);
    this.#retrying?.delete(notificationId);
  }

  /** Deletes retry rows of notifications that ended some other way (`ended` says which), untouched since `before`. */
  pruneRetries(ended: (notificationId: string) => boolean, before: number): number {
    const stale = this.retries().filter((r) => r.updatedAt < before && !this.#replayRequested(r.notificationId) && ended(r.notificationId));
    for (const r of stale) this.clearRetry(r.notificationId);
    return stale.length;
  }

  #replayRequested(notificationId: string): boolean {
    return this.deadLetterOf(notificationId)?.replayRequestedAt != null;
  }

  /** Records a dead letter (a replay that failed again is dead again, replay request cleared) and drops its retry row. */
  deadLetter(entry: Omit<DeadLetter, 'noticePosted' | 'replayRequestedAt' | 'scope'>): void {
    const scope = this.#own();
    this.#transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO dead_letters (scope, notification_id, notification_type, agent_id, task_id, attempts, last_error, dead_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(scope, notification_id) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error,
             dead_at = excluded.dead_at, replay_requested_at = NULL`,
        )
        .run(scope, entry.notificationId, entry.notificationType, entry.agentId, entry.taskId, entry.attempts, entry.lastError, entry.deadAt);
      this.#db.prepare('DELETE FROM retries WHERE scope = ? AND notification_id = ?').run(scope, entry.notificationId);
    });
    this.#dead?.add(entry.notificationId);
    this.#retrying?.delete(entry.notificationId);
  }

  /** A replay delivered (or otherwise ended) the notification: the dead letter and its retry row go. */
  resolveDeadLetter(notificationId: string): void {
    const scope = this.#own();
    this.#db.prepare('DELETE FROM dead_letters WHERE scope = ? AND notification_id = ?').run(scope, notificationId);
    this.#dead?.delete(notificationId);
    this.#db.prepare('DELETE FROM retries WHERE scope = ? AND notification_id = ?').run(scope, notificationId);
    this.#retrying?.delete(notificationId);
  }

  markNoticePosted(notificationId: string): void {
    this.#db.prepare('UPDATE dead_letters SET notice_posted = 1 WHERE scope = ? AND notification_id = ?').run(this.#own(), notificationId);
  }

  deadLetters(): DeadLetter[] {
    const params: SQLInputValue[] = [];
    const where = this.#where(params);
    return (this.#db.prepare(`SELECT * FROM dead_letters WHERE 1 = 1${where} ORDER BY dead_at`).all(...params) as Row[]).map(toDead);
  }

  deadLetterOf(notificationId: string): DeadLetter | undefined {
    if (this.#dead?.mayHave(notificationId) === false) return undefined;
    const row = this.#db.prepare('SELECT * FROM dead_letters WHERE scope = ? AND notification_id = ?').get(this.#own(), notificationId) as Row | undefined;
    return row ? toDead(row) : undefined;
  }

  /** Asks the running loop to deliver a dead letter again with a fresh budget; false when there is no such dead letter. */
  requestReplay(notificationId: string, now: number): boolean {
    const params: SQLInputValue[] = [now, notificationId];
    const where = this.#where(params);
    return this.#transaction(() => {
      const changed = this.#db.prepare(`UPDATE dead_letters SET replay_requested_at = ? WHERE notification_id = ?${where}`).run(...params).changes > 0;
      if (changed) this.#db.prepare(`DELETE FROM retries WHERE notification_id = ?${where}`).run(...params.slice(1));
      if (changed) this.#retrying?.delete(notificationId);
      return changed;
    });
  }

  /** Replays requested and due (no retry pending in the future). Read only: no write lock. */
  dueReplays(now: number): DeadLetter[] {
    const rows = this.#db
      .prepare(
        `SELECT d.* FROM dead_letters d LEFT JOIN retries r ON r.scope = d.scope AND r.notification_id = d.notification_id
         WHERE d.scope = ? AND d.replay_requested_at IS NOT NULL AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= ?)
         ORDER BY d.replay_requested_at`,
      )
      .all(this.#own(), now) as Row[];
    return rows.map(toDead);
  }

  /** Deletes dead letters older than `before` that no replay is asked for; returns how many. */
  pruneDeadLetters(before: number): number {
    const pruned = Number(this.#db.prepare('DELETE FROM dead_letters WHERE dead_at < ? AND replay_requested_at IS NULL').run(before).changes);
    if (pruned > 0) this.#dead?.reset();
    return pruned;
  }

  counts(): { retrying: number; dead: number } {
    const params: SQLInputValue[] = [];
    const where = this.#where(params);
    const retrying = (this.#db.prepare(`SELECT COUNT(*) AS n FROM retries WHERE 1 = 1${where}`).get(...params) as { n: number }).n;
    const dead = (this.#db.prepare(`SELECT COUNT(*) AS n FROM dead_letters WHERE 1 = 1${where}`).get(...params) as { n: number }).n;
    return { retrying, dead };
  }

  /** Rows per scope other than this store's own. */
  otherScopes(): Array<{ scope: string; retrying: number; dead: number }> {
    const own = this.#scope ?? '';
    const rows = this.#db
      .prepare(
        `SELECT scope, SUM(r) AS retrying, SUM(d) AS dead FROM (
           SELECT scope, 1 AS r, 0 AS d FROM retries UNION ALL SELECT scope, 0, 1 FROM dead_letters
         ) WHERE scope <> ? GROUP BY scope ORDER BY scope`,
      )
      .all(own) as Array<{ scope: string; retrying: number; dead: number }>;
    return rows.map((r) => ({ scope: r.scope, retrying: Number(r.retrying), dead: Number(r.dead) }));
  }

  /** One small write: throws when the file cannot take writes now (disk full, read-only, locked). */
  probeWrite(now: number): void {
    this.#db.prepare('INSERT INTO store_probe (k, at) VALUES (1, ?) ON CONFLICT(k) DO UPDATE SET at = excluded.at').run(now);
  }

  /** Writes the queued attempt history (a failure goes to `onHistoryError`), then closes the file. */
  close(): void {
    if (!this.#db.isOpen) return;
    this.attempts.close();
    this.#db.close();
  }
}

function toRetry(r: Row): RetryState {
  return {
    notificationId: String(r.notification_id),
    agentId: r.agent_id === null ? null : String(r.agent_id),
    taskId: r.task_id === null ? null : String(r.task_id),
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: String(r.last_error),
    updatedAt: Number(r.updated_at),
  };
}

function toDead(r: Row): DeadLetter {
  return {
    scope: String(r.scope),
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
